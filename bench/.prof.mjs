// profile the server child: start with --cpu-prof via NODE_OPTIONS
import selfsigned from 'selfsigned';
import { startServer, tally } from '/work/main/bench/drain/load.mjs';
import { Pool } from 'undici';
const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
const tls = { key: pems.private, cert: pems.cert };
const server = await startServer(process.argv[2], 'http', tls);
const pool = new Pool(server.origin, { connections: 32 });
let left = 40000;
await Promise.all(Array.from({ length: 32 }, async () => { while (left-- > 0) { const r = await pool.request({ path: '/', method: 'GET' }); await r.body.text(); } }));
await pool.destroy();
server.child.kill('SIGINT');
await server.exited;
