// Recipe: `pino` logging to a file through a transport (a worker thread). The logger is flushed
// last, at Priority.RESOURCE - 10, after every hook that may log; the line written by the `done`
// listener still reaches the file, because pino flushes its transport when the process exits.
//   LOG_FILE=/tmp/app.log node examples/recipes/pino.mjs
import pino from 'pino';
import { getDefaultShutdown, onShutdown, Priority } from 'shutdown-hooks';

const logger = pino(
  pino.transport({
    target: 'pino/file',
    options: { destination: process.env.LOG_FILE, mkdir: true },
  }),
);

onShutdown('close-db', () => logger.info('database closed'), { priority: Priority.RESOURCE });
onShutdown('logger', () => new Promise((resolve) => logger.flush(() => resolve())), {
  priority: Priority.RESOURCE - 10,
  timeout: 2000,
});
getDefaultShutdown().on('done', (report) =>
  logger.info({ exitCode: report.exitCode, reason: report.reason }, 'shutdown complete'),
);

logger.info('started');
console.log('ready');
setInterval(() => {}, 1 << 30); // a service keeps running until it is stopped
