import { describe, expect, it } from 'vitest';
import { spawnNode } from './process/child.js';

const example = (name: string) => new URL(`../examples/${name}`, import.meta.url).pathname;

describe('examples', () => {
  it('the demo stops itself gracefully, loses nothing and exits 0', async () => {
    const r = await spawnNode([example('demo.mjs'), '1']).result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shutdown begins \(SIGTERM\); isShuttingDown\(\) = true/);
    expect(r.stdout).toMatch(/stop-worker\s+200\s+ok/);
    expect(r.stdout).toMatch(/flush-queue\s+100\s+ok/);
    expect(r.stdout).toMatch(/close-database\s+0\s+ok/);
    expect(r.stdout).toContain('nothing lost');
  });
});
