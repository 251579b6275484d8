import { setTimeout as sleep } from 'node:timers/promises';

export const dynamic = 'force-dynamic';

// A request that takes 100 ms of work.
export async function GET() {
  await sleep(100);
  return new Response(`done by ${process.pid}\n`);
}
