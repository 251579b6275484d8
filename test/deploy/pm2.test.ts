// Real PM2 (the dev dependency), its daemon in a temp PM2_HOME and killed at the end: a service on
// the library's defaults in cluster mode, 2 instances, no kill_timeout in the ecosystem file, so
// PM2 stops each worker with SIGINT and SIGKILLs it 1600 ms later. The pm2 profile must fit that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE } from '../support/child.js';
import { Pm2, reloadUnderLoad, stopThenDelete } from '../support/pm2.mjs';

let pm2: Pm2;
beforeAll(() => {
  pm2 = new Pm2(NODE);
});
afterAll(() => pm2?.close());

const clean = 'code [0] via signal [SIGINT]';

describe('under real PM2, on the defaults', () => {
  it('pm2 reload under keep-alive load: nothing fails, no worker is SIGKILLed, each report says pm2 with exit 0', async () => {
    const r = await reloadUnderLoad(pm2, 'reload', { HOOK_MS: '300' });
    expect(r.sent).toBeGreaterThan(200);
    expect(r.failures).toEqual([]);
    expect(r.failed).toBe(0);
    expect(r.reports.map((report) => report.pid).sort()).toEqual([...r.workers].sort());
    for (const report of r.reports) {
      expect(report).toMatchObject({
        reason: 'SIGINT',
        exitCode: 0,
        platform: 'pm2',
        timedOut: false,
      });
    }
    expect(r.exits).toEqual([clean, clean]);
  }, 60_000);

  it('pm2 stop then pm2 delete: the second SIGINT does not force; exit 0, not 130', async () => {
    const r = await stopThenDelete(pm2, 'twice', { HOOK_MS: '1000' });
    expect(r.twice.length).toBeGreaterThanOrEqual(1);
    expect(r.reports).toHaveLength(2);
    for (const report of r.reports) expect(report).toMatchObject({ exitCode: 0, platform: 'pm2' });
    expect(r.exits).toEqual([clean, clean]);
  }, 60_000);
});
