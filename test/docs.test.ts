import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRAIN_DEFAULTS } from '../src/http/index.js';
import { PROBE_DEFAULTS } from '../src/http/readiness.js';
import { DEFAULTS, KUBERNETES_DEFAULTS } from '../src/index.js';
import { REHEARSE_DEFAULTS } from '../src/rehearse/options.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Rows of the README's "### Defaults" table: option name → the default column's code span. */
function defaultsTable(): Map<string, string> {
  const section = readme.split('### Defaults')[1]?.split('\n### ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    const value = /^`(.+)`$/.exec(cells[3] ?? '')?.[1];
    if (name && value) rows.set(name, value);
  }
  return rows;
}

describe('README', () => {
  it('documents every default exactly as DEFAULTS holds it', () => {
    const table = defaultsTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(DEFAULTS).sort());
    for (const [name, shown] of table) {
      const actual = DEFAULTS[name as keyof typeof DEFAULTS];
      expect(shown, name).toBe(actual === undefined ? 'undefined' : JSON.stringify(actual));
    }
  });

  it("keeps the defaults inside docker stop's 10 s, watchdog grace included", async () => {
    const { WATCHDOG_GRACE_MS } = await import('../src/core/watchdog.js');
    expect(DEFAULTS.timeout + WATCHDOG_GRACE_MS).toBeLessThan(10_000);
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });

  it('starts with the two commands', () => {
    const head = readme.split('## Why')[0]!;
    expect(head).toContain('npm install && npm run demo');
    expect(head).toContain('npm install && npm test');
  });
});

describe('docs/http.md', () => {
  it('documents the probe defaults as PROBE_DEFAULTS holds them', () => {
    const doc = readFileSync(new URL('../docs/http.md', import.meta.url), 'utf8');
    const probes = doc.split('## Probes')[1]!.split('\n## ')[0]!;
    for (const [name, value] of Object.entries(PROBE_DEFAULTS)) {
      const row = probes.split('\n').find((l) => l.startsWith(`| \`${name}\``)) ?? '';
      expect(row, name).toContain(`| \`${value}\` |`);
    }
  });

  it('documents the drain defaults as DRAIN_DEFAULTS holds them', () => {
    const doc = readFileSync(new URL('../docs/http.md', import.meta.url), 'utf8');
    const options = doc.split('## Options')[1]!.split('\n## ')[0]!;
    const row = (name: string) =>
      options.split('\n').find((l) => l.startsWith(`| \`${name}\``)) ?? '';
    expect(row('idleGrace')).toContain(`| \`${DRAIN_DEFAULTS.idleGrace}\` |`);
    expect(row('delay')).toContain("the instance's `delay`");
    expect(row('priority')).toContain(`(${DRAIN_DEFAULTS.priority})`);
    expect(row('timeout')).toContain(`${DRAIN_DEFAULTS.share * 100} % of the time left`);
  });
});

describe('docs/deploy.md', () => {
  it('documents every rehearse option with the default REHEARSE_DEFAULTS holds', () => {
    const doc = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
    const options = doc.split('### Options')[1]!.split('\n### ')[0]!;
    const rows = new Map<string, string>();
    for (const line of options.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const flag = /^`--([\w-]+)`$/.exec(cells[1] ?? '')?.[1];
      if (flag)
        rows.set(
          flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
          cells[2]!,
        );
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(REHEARSE_DEFAULTS).sort());
    for (const [name, shown] of rows) {
      const value = REHEARSE_DEFAULTS[name as keyof typeof REHEARSE_DEFAULTS];
      if (value === undefined) expect(shown, name).toBe('none');
      else if (value === false) expect(shown, name).toBe('off');
      else expect(shown, name).toBe(`\`${value}\``);
    }
  });

  it('and the README give the Kubernetes defaults as KUBERNETES_DEFAULTS holds them', () => {
    const deploy = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
    const { delay, timeout } = KUBERNETES_DEFAULTS;
    expect(deploy).toContain(`\`delay\` ${delay} and \`timeout\` ${timeout}`);
    expect(readme).toContain(`\`delay\` \`${delay}\``);
    expect(readme).toContain(`\`timeout\` \`${timeout}\``);
  });
});

describe('docs/api', () => {
  it('is what TypeDoc makes of the source today (npm run docs:api regenerates it)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const out = mkdtempSync(join(tmpdir(), 'shutdown-hooks-api-'));
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out, '--logLevel', 'Error'],
        { cwd: root, stdio: 'pipe' },
      );
      const files = (dir: string) =>
        (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
      const committed = join(root, 'docs/api');
      expect(files(committed)).toEqual(files(out));
      for (const file of files(out)) {
        expect(readFileSync(join(committed, file), 'utf8'), file).toBe(
          readFileSync(join(out, file), 'utf8'),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
