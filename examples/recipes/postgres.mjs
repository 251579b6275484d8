// Recipe: PostgreSQL with `pg`. The pool ends at Priority.RESOURCE, after the HTTP drain: every
// transaction a request started commits, and no query runs on an ended pool. A database that
// hangs at shutdown costs the hook its own timeout, never the whole budget.
//   DATABASE_URL=postgres://... node examples/recipes/postgres.mjs
import http from 'node:http';
import pg from 'pg';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';

configureShutdown({
  delay: Number(process.env.DELAY_MS ?? 5000),
  timeout: Number(process.env.TIMEOUT_MS ?? 8000),
});

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, note text)');

// POST /orders: one transaction that takes 200 ms, as a real one with a few statements might.
const server = http.createServer(async (req, res) => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query('INSERT INTO orders (note) VALUES ($1) RETURNING id', [
      req.url,
    ]);
    await client.query('SELECT pg_sleep(0.2)');
    await client.query('COMMIT');
    res.end(`${rows[0].id}\n`);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    res.statusCode = 500;
    res.end(`${error.message}\n`);
  } finally {
    client.release();
  }
});
drainHttp(server);
// Its own timeout: pool.end() waits for every client to close, which a hung server never lets
// happen; 2 s is plenty for a healthy one.
onShutdown('postgres pool', () => pool.end(), { priority: Priority.RESOURCE, timeout: 2000 });

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
