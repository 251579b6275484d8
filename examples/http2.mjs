// An HTTP/2 service over TLS (HTTP/1.1 clients accepted too). On SIGTERM every session gets a
// GOAWAY and closes when its streams are done, on every Node version.
//   node examples/http2.mjs   (makes a throwaway self-signed certificate with openssl)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureShutdown } from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';

const dir = mkdtempSync(join(tmpdir(), 'h2-example-'));
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ],
  { stdio: 'ignore' },
);

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const ready = readinessHandler();
const server = http2.createSecureServer(
  {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    allowHTTP1: true,
  },
  (req, res) => {
    if (req.url === '/ready') return ready(req, res);
    setTimeout(() => res.end(`hello over HTTP/${req.httpVersion} from ${process.pid}\n`), 100);
  },
);
drainHttp(server);
server.listen(Number(process.env.PORT ?? 3443), () => {
  console.log(`listening on https://localhost:${server.address().port}`);
});
