import { startChild, median } from '/work/main/bench/lib.mjs';
const out = { baseline: [], 'no-watchdog': [], library: [] };
for (let i = 0; i < 15; i++) for (const mode of Object.keys(out)) {
  const { child, ready, exited } = startChild(['/work/main/bench/core/hooks-child.mjs', mode], { cwd: '/work/main' });
  await ready; const t = performance.now(); child.kill('SIGTERM'); await exited; out[mode].push(performance.now() - t);
}
for (const [k, v] of Object.entries(out)) console.log(k, median(v).toFixed(1));
