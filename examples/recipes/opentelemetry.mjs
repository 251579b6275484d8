// Recipe: the OpenTelemetry SDK. Spans are batched in memory (BatchSpanProcessor exports every
// 5 s by default); `provider.shutdown()` exports what is left and stops. It runs last, at
// Priority.RESOURCE - 10: the requests served during the drain and the hooks before it still
// produce spans. The exporter here appends spans to a file (SPANS_FILE), as a stand-in for OTLP.
//   SPANS_FILE=/tmp/spans.jsonl node examples/recipes/opentelemetry.mjs
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const fileExporter = {
  export(spans, done) {
    const lines = spans.map((s) => `${JSON.stringify({ name: s.name, ...s.attributes })}\n`);
    appendFileSync(process.env.SPANS_FILE, lines.join(''));
    done({ code: 0 });
  },
  shutdown: async () => {},
};
const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(fileExporter)],
});
const tracer = provider.getTracer('recipe');

const server = http.createServer((req, res) => {
  const span = tracer.startSpan('GET', { attributes: { 'url.path': req.url } });
  setTimeout(() => {
    res.end('ok\n');
    span.end();
  }, 100);
});
drainHttp(server);
onShutdown('opentelemetry', () => provider.shutdown(), {
  priority: Priority.RESOURCE - 10,
  timeout: 2000,
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
