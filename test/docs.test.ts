import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { timeoutFor, watchdogGraceFor } from '../src/core/platform.js';
import { DRAIN_DEFAULTS } from '../src/http/index.js';
import { PROBE_DEFAULTS } from '../src/http/readiness.js';
import { DEFAULTS, detectPlatform, KUBERNETES_DEFAULTS, PLATFORMS } from '../src/index.js';
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

  it('gives the Kubernetes defaults as KUBERNETES_DEFAULTS holds them', () => {
    const deploy = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
    const { delay, timeout } = KUBERNETES_DEFAULTS;
    expect(deploy).toContain(`\`delay\` ${delay} and \`timeout\` ${timeout}`);
  });
});

const platformsDoc = readFileSync(new URL('../docs/platforms.md', import.meta.url), 'utf8');

/** The rows of a platforms table: [platform, detected by, signal, grace, timeout, delay] cells. */
function platformTable(doc: string): string[][] {
  const table = doc.split('\n| platform | detected by |')[1]!.split('\n\n')[0]!;
  return table
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe.each([
  ['README.md', readme],
  ['docs/platforms.md', platformsDoc],
])('the platforms table of %s', (_name, doc) => {
  it('has every row of PLATFORMS, in order, with its figures and the defaults derived from them', () => {
    const rows = platformTable(doc);
    expect(rows.map((row) => row[0])).toEqual(PLATFORMS.map((row) => `\`${row.name}\``));
    for (const [i, row] of PLATFORMS.entries()) {
      const [, , signal, grace, timeout, delay] = rows[i]!;
      expect(signal, row.name).toBe(`\`${row.signal}\``);
      expect(grace, row.name).toBe(`${row.graceMs} ms`);
      expect(timeout, row.name).toBe(`${timeoutFor(row.graceMs)} ms`);
      expect(delay, row.name).toBe(`${Math.min(row.lagMs, timeoutFor(row.graceMs) / 5)} ms`);
    }
  });

  it('names the variables that detectPlatform() finds each row by', () => {
    for (const [name, detectedBy] of platformTable(doc)) {
      if (name === '`docker`') continue;
      // Every variable the cell names (`NAME` or `NAME=value`), set at once.
      const env = Object.fromEntries(
        [...detectedBy!.matchAll(/`([A-Za-z_]+)(?:=(\w+))?`/g)].map((m) => [m[1]!, m[2] ?? 'x']),
      );
      expect(detectPlatform(env)?.name, detectedBy).toBe(name!.slice(1, -1));
    }
  });
});

describe('docs/platforms.md', () => {
  /** The first fenced block of the `## title` section, and the section's text. */
  function section(title: string): { text: string; code: string } {
    const text = platformsDoc.split(`\n## ${title}\n`)[1]!.split('\n## ')[0]!;
    return { text, code: /```\w*\n([\s\S]*?)```/.exec(text)![1]! };
  }
  const row = (name: string) => PLATFORMS.find((r) => r.name === name)!;
  /** The `timeout N` a snippet's comment promises for the grace period it sets. */
  const promised = (code: string) => Number(/timeout (\d+)/.exec(code)?.[1]);

  it("PM2: the ecosystem file's kill_timeout reaches the profile, and the comment says what it gives", () => {
    const { code } = section('PM2');
    const module = { exports: {} as { apps: { kill_timeout: number }[] } };
    new Function('module', code)(module);
    const app = module.exports.apps[0]!;
    const profile = detectPlatform({ pm_id: '0', kill_timeout: String(app.kill_timeout) })!;
    expect(profile).toMatchObject({ name: 'pm2', graceMs: app.kill_timeout, graceFrom: 'env' });
    expect(code).toContain(
      `timeout ${timeoutFor(profile.graceMs)}, watchdog grace ${watchdogGraceFor(profile.graceMs)}`,
    );
  });

  it.each([
    ['Kubernetes', 'kubernetes', /terminationGracePeriodSeconds: (\d+)/, 1000],
    ['Amazon ECS', 'ecs', /"stopTimeout": (\d+)/, 1000],
    ['Fly.io', 'fly', /kill_timeout = (\d+)/, 1000],
    ['Render', 'render', /maxShutdownDelaySeconds: (\d+)/, 1000],
    ['systemd', 'systemd', /TimeoutStopSec=(\d+)/, 1000],
    ['Docker and Podman', 'docker', /stop_grace_period: (\d+)s/, 1000],
  ])(
    '%s: the snippet sets the grace period of the row, and its comment the timeout',
    (title, name, grace, unit) => {
      const { code } = section(title);
      const ms = Number(grace.exec(code)![1]) * unit;
      expect(ms).toBe(row(name).graceMs);
      if (/timeout \d+/.test(code)) expect(promised(code)).toBe(timeoutFor(ms));
    },
  );

  it("Fly and systemd: the snippet's signal is the row's", () => {
    expect(section('Fly.io').code).toContain(`kill_signal = "${row('fly').signal}"`);
    expect(section('systemd').code).toContain(`KillSignal=${row('systemd').signal}`);
  });

  it('Heroku: the Procfile starts node itself, not npm', () => {
    expect(section('Heroku').code.trim()).toMatch(/^web: node \S+$/);
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
