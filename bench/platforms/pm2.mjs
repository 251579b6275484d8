// `node bench/platforms/pm2.mjs` (and `npm run bench`): what real PM2 does to a service on the library's defaults, with
// the pm2 profile (found from PM2's pm_id) and without it (`platform: false`, the defaults made for
// `docker stop`). Cluster mode, 2 instances, no kill_timeout (PM2's 1600 ms). Needs a build.

import { Pm2, reloadUnderLoad, stopThenDelete } from '../../test/support/pm2.mjs';
import { printTable } from '../lib.mjs';

const variants = [
  ['without the profile', { PLATFORM: 'false' }],
  ['with the pm2 profile', {}],
];
const count = (exits, pattern) => exits.filter((exit) => pattern.test(exit)).length;
/** How each worker ended, by PM2's log: SIGKILL, or its exit code (PM2 logs both for a stop). */
const ends = (exits) =>
  exits
    .map((exit) => {
      const [, code, signal] = /code \[(\S+)\] via signal \[(\S+)\]/.exec(exit);
      return signal === 'SIGKILL' || code === 'null' ? signal : code;
    })
    .join(', ');

export async function runPm2() {
  const pm2 = new Pm2();
  const rows = [];
  try {
    for (const [hookMs, label] of [
      ['300', 'reload, hooks 0.3 s'],
      ['2500', 'reload, a 2.5 s flush'],
    ]) {
      for (const [variant, env] of variants) {
        const r = await reloadUnderLoad(pm2, `reload-${rows.length}`, { ...env, HOOK_MS: hookMs });
        rows.push([
          label,
          variant,
          `${r.failed} of ${r.sent}${r.retried ? ` (${r.retried} sent again)` : ''}`,
          `${count(r.exits, /SIGKILL/)} of ${r.workers.length}`,
          ends(r.exits),
          `${r.reloadMs} ms`,
        ]);
      }
    }
    for (const [variant, env] of variants) {
      const r = await stopThenDelete(pm2, `twice-${rows.length}`, { ...env, HOOK_MS: '1000' });
      rows.push([
        'stop, then delete',
        variant,
        '—',
        `${count(r.exits, /SIGKILL/)} of ${r.workers.length}`,
        ends(r.exits),
        '—',
      ]);
    }
  } finally {
    await pm2.close();
  }
  printTable(
    'PM2 7, cluster mode, 2 workers, no kill_timeout',
    ['scenario', 'library', 'failed requests', 'SIGKILLed', 'exits (PM2 log)', 'reload took'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runPm2();
