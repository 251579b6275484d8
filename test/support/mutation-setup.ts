// The setup file of vitest.config.ts under `npm run mutate`. The real-process tests start
// children that load the library from src/ (test/support/from-source.mjs), so Stryker's mutants
// reach them too:
// - the active mutant goes to each child in __STRYKER_ACTIVE_MUTANT__, which the instrumented code
//   reads as it loads;
// - during Stryker's first, unmutated run, the mutants a child reached are written to a folder as
//   it exits and added to the coverage of the test that started it. Stryker then runs that test
//   against those mutants, and no other.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

type Hits = Record<string, number>;
interface Coverage {
  static: Hits;
  perTest: Record<string, Hits>;
}
interface Namespace {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: Coverage;
}

const preload = new URL('./from-source.mjs', import.meta.url).pathname;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim();

const stryker = () => (globalThis as { __stryker__?: Namespace }).__stryker__;
let current: { dir: string; testId: string | undefined } | undefined;

beforeEach(() => {
  const ns = stryker();
  process.env.__STRYKER_ACTIVE_MUTANT__ = ns?.activeMutant ?? '';
  if (!ns || ns.activeMutant !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-coverage-'));
  current = { dir, testId: ns.currentTestId };
  process.env.SHUTDOWN_HOOKS_COVERAGE_DIR = dir;
});

afterEach(() => {
  const ns = stryker();
  if (!current || !ns) return;
  const { dir, testId } = current;
  current = undefined;
  delete process.env.SHUTDOWN_HOOKS_COVERAGE_DIR;
  ns.mutantCoverage ??= { static: {}, perTest: {} };
  const { perTest } = ns.mutantCoverage;
  if (testId) perTest[testId] ??= {};
  const into = testId ? perTest[testId]! : ns.mutantCoverage.static;
  for (const file of readdirSync(dir)) {
    const child = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Coverage;
    for (const hits of [child.static, ...Object.values(child.perTest)]) {
      for (const [id, n] of Object.entries(hits)) into[id] = (into[id] ?? 0) + n;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});
