import selfsigned from 'selfsigned';
import { cpuPerRequest } from '/work/main/bench/drain/load.mjs';
import { median } from '/work/main/bench/lib.mjs';
const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { days: 1, keySize: 2048 });
const tls = { key: pems.private, cert: pems.cert };
const names = process.argv.slice(2);
const res = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < 7; i++) for (const n of names) res[n].push(await cpuPerRequest(n, tls, 30000));
for (const n of names) console.log(n, median(res[n]).toFixed(1), res[n].map((x) => x.toFixed(0)).join(' '));
