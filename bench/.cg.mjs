import selfsigned from 'selfsigned';
import { instructionsPerRequest } from '/work/main/bench/drain/load.mjs';
const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
const tls = { key: pems.private, cert: pems.cert };
for (const c of process.argv.slice(2)) { const t = performance.now(); console.log(c, Math.round(await instructionsPerRequest(c, tls)), 'instr/req', Math.round(performance.now() - t), 'ms'); }
