import { isShuttingDown } from 'shutdown-hooks';

export const dynamic = 'force-dynamic';

// The readiness probe: 503 from the moment the shutdown begins, while the other routes serve on.
export function GET() {
  const draining = isShuttingDown();
  return new Response(draining ? 'draining\n' : 'ready\n', { status: draining ? 503 : 200 });
}
