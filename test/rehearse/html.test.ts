// `rehearse --html`: the page drawn from a rehearsal, read in a real headless browser (Debian's
// chromium) with the network off, and drawn again from saved JSON with `--from`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/rehearse/html.js';
import type { RehearsalResult } from '../../src/rehearse/result.js';
import { RUN, runCli as run } from '../support/child.js';
import { readPng } from '../support/png.js';

const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;

const chromium = ['chromium', 'chromium-browser'].find(
  (name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0,
);
const required = process.env.SHUTDOWN_HOOKS_REQUIRE_SERVICES === '1';
if (!chromium && !required) {
  process.stderr.write('skipped: the browser tests of rehearse --html need chromium on PATH\n');
}
// A network namespace of its own: the browser has no network at all, not even loopback.
const offline = spawnSync('unshare', ['-n', 'true']).status === 0 ? ['unshare', '-n'] : undefined;

/** Runs headless chromium on `url` with the network off; its stdout (the DOM with --dump-dom). */
function browse(args: readonly string[], url: string): string {
  expect(
    offline,
    'unshare -n (a network namespace) is needed to open the page offline',
  ).toBeDefined();
  return execFileSync(
    offline![0]!,
    [
      ...offline!.slice(1),
      chromium!,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
      ...args,
      url,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
  );
}

const result = (over: Partial<RehearsalResult> = {}): RehearsalResult => ({
  verdict: 'fail',
  platform: null,
  requests: {
    sent: 4,
    ok: 2,
    failed: 2,
    unsent: 0,
    byKind: { ok: 2, refused: 1, '503': 1 },
    log: [
      [-300, -290, 'ok'],
      [-100, -90, 'ok'],
      [50, 52, '503'],
      [400, 401, 'refused'],
    ],
  },
  exit: { code: 0, signal: null, ms: 600, killed: false },
  readiness: { flippedMs: 10 },
  report: {
    reason: 'SIGTERM',
    platform: null,
    exitCode: 0,
    startedAt: 1_000_000,
    durationMs: 580,
    timedOut: false,
    hooks: [
      { name: 'drain <http>', priority: 300, status: 'ok', durationMs: 500, startMs: 5 },
      { name: 'close-db', priority: 0, status: 'timeout', durationMs: 70, startMs: 505 },
    ],
  },
  container: null,
  notes: ['1 request refused during the lag'],
  startedAt: 1_000_000,
  settings: { signal: 'SIGTERM', lagMs: 500, graceMs: 800, preStop: null },
  timeline: [
    { ms: -2000, what: 'service started', kind: 'started' },
    { ms: 0, what: 'SIGTERM sent', kind: 'signal' },
    { ms: 10, what: '/ready answered 503', kind: 'readiness' },
    { ms: 500, what: 'lag over', kind: 'lag' },
    { ms: 600, what: 'exited (code 0)', kind: 'exit' },
  ],
  ...over,
});

describe('rehearse --html: the page', () => {
  it('marks each moment, draws one bar per hook, shows each outcome with its label, escapes names', () => {
    const page = renderHtml(result());
    for (const kind of ['signal', 'readiness', 'lag', 'exit', 'grace']) {
      expect(page, kind).toMatch(new RegExp(`<g class="marker ${kind}">`));
    }
    // 'service started' is in the timeline, not a marker of the termination.
    expect(page).not.toContain('marker started');
    expect(page.match(/<g class="hook /g)).toHaveLength(2);
    expect(page).toContain('<g class="hook timeout">');
    expect(page).toContain('drain &lt;http&gt; (300)');
    for (const label of ['ok', '503 (not ready)', 'refused', 'never answered']) {
      expect(page).toContain(`>${label}</text>`);
    }
    expect(page.match(/class="slice refused"/g)).toHaveLength(1);
    expect(page).toContain('<li>1 request refused during the lag</li>');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('says so when the grace period is far past the exit, or when the service left no report', () => {
    const page = renderHtml(
      result({
        report: null,
        settings: { signal: 'SIGTERM', lagMs: 500, graceMs: 30_000, preStop: null },
      }),
    );
    expect(page).toContain('grace period: 30000 ms, past the right edge');
    expect(page).toContain('no report from the service');
  });

  it('--from draws the page of a saved result; a file that is not one is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-html-'));
    const saved = join(dir, 'result.json');
    writeFileSync(saved, JSON.stringify(result()));
    const out = join(dir, 'page.html');
    expect((await run(['rehearse', '--html', out, '--from', saved])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(renderHtml(result()));
    writeFileSync(saved, '{"verdict":"pass"}');
    const bad = await run(['rehearse', '--html', out, '--from', saved]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not the output of rehearse --json/);
    const alone = await run(['rehearse', '--from', saved]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--from goes with --html/);
  });
});

describe.skipIf(!chromium && !required)('rehearse --html in a headless browser, offline', () => {
  it('the failing rehearsal (delay 0): refused requests inside the lag, every marker, one bar per hook, a picture that is not blank', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-html-'));
    const page = join(dir, 'rehearsal.html');
    const r = await run(
      [
        'rehearse',
        '--json',
        '--rate',
        '50',
        '--warmup',
        '500',
        '--lag',
        '1000',
        '--html',
        page,
        '--',
        ...RUN,
        example('http.mjs'),
      ],
      { DELAY_MS: '0' },
    );
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as RehearsalResult;
    expect(existsSync(page)).toBe(true);
    // The refused requests were sent after the signal and before the end of the lag.
    const refused = json.requests.log.filter(([, , outcome]) => outcome === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    for (const [sent] of refused) expect(sent).toBeLessThanOrEqual(json.settings.lagMs + 50);

    expect(chromium, 'chromium is required in CI').toBeDefined();
    const dom = browse(['--dump-dom'], `file://${page}`);
    expect(dom).not.toContain('parsererror');
    expect(dom).toContain('<svg');
    for (const kind of ['signal', 'lag', 'exit', 'last-ok']) {
      expect(dom, kind).toContain(`<g class="marker ${kind}">`);
    }
    expect(dom.match(/<g class="hook /g)).toHaveLength(json.report!.hooks.length);
    expect(dom).toContain('class="slice refused"');

    const shot = join(dir, 'shot.png');
    browse([`--screenshot=${shot}`, '--window-size=1000,700'], `file://${page}`);
    const { rgb } = readPng(readFileSync(shot));
    const colours = new Set(rgb);
    const drawn = rgb.filter((c) => c !== 0xffffff).length;
    expect(colours.size).toBeGreaterThan(20);
    expect(drawn / rgb.length).toBeGreaterThan(0.05);
    // The purple of refused requests is on the screen.
    expect(rgb.some((c) => c === 0x6a1b9a)).toBe(true);
  }, 60_000);

  it("the docs' pictures are well-formed SVG files that the browser draws", () => {
    for (const name of ['rehearsal-pass', 'rehearsal-fail']) {
      const file = new URL(`../../docs/images/${name}.svg`, import.meta.url).pathname;
      const dom = browse(['--dump-dom'], `file://${file}`);
      expect(dom, name).not.toContain('parsererror');
      expect(dom, name).toContain('class="marker signal"');
    }
  }, 60_000);
});
