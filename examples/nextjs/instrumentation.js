// Runs once when the Next server starts, before it serves. `shutdown-hooks/next` takes the stop
// over from Next (its own handler closes the listener at once and exits while requests are
// served) and drains Next's server; the rest is the library as anywhere else.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  await import('shutdown-hooks/next');
  const { configureShutdown, onShutdown, Priority } = await import('shutdown-hooks');
  // Behind a load balancer or in a Kubernetes pod: keep serving while the routing catches up.
  configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });
  onShutdown('close-db', async () => console.log('database closed'), {
    priority: Priority.RESOURCE,
  });
}
