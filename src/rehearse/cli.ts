import { readFileSync, writeFileSync } from 'node:fs';
import type { HookResult } from '../core/types.js';
import { renderHtml } from './html.js';
import { OUTCOMES } from './load.js';
import { parseRehearseArgs, USAGE, UsageError } from './options.js';
import { type Rehearsal, rehearse, ServiceError } from './run.js';

const COMMANDS =
  'Commands:\n  rehearse   rehearse a rolling update of a service (shutdown-hooks rehearse --help)';

/** `shutdown-hooks <command> …`; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(`Usage: shutdown-hooks <command> [options]\n\n${COMMANDS}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'rehearse') {
    process.stderr.write(`shutdown-hooks: unknown command "${command}"\n${COMMANDS}\n`);
    return 2;
  }
  let options: ReturnType<typeof parseRehearseArgs>;
  try {
    options = parseRehearseArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(
      `shutdown-hooks rehearse: ${error.message}\n(see shutdown-hooks rehearse --help)\n`,
    );
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.from !== undefined) return drawFrom(options.from, options.html!);
  const live = process.stderr.isTTY === true && !options.json;
  const progress = (line: string) => {
    if (live) process.stderr.write(`\r\x1b[K… ${line}`);
  };
  let result: Rehearsal;
  try {
    result = await rehearse(options, progress);
  } catch (error) {
    if (live) process.stderr.write('\r\x1b[K');
    if (error instanceof UsageError) {
      process.stderr.write(`shutdown-hooks rehearse: ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof ServiceError)) throw error;
    process.stderr.write(`shutdown-hooks rehearse: ${error.message}\n`);
    return 1;
  }
  if (live) process.stderr.write('\r\x1b[K');
  if (options.html !== undefined) writeFileSync(options.html, renderHtml(result));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(format(result, options.lag));
  }
  return result.verdict === 'pass' ? 0 : 1;
}

/** `--html FILE --from result.json`: the page of a rehearsal saved with `--json`. */
function drawFrom(from: string, html: string): number {
  let result: Rehearsal;
  try {
    result = JSON.parse(readFileSync(from, 'utf8')) as Rehearsal;
  } catch (error) {
    process.stderr.write(
      `shutdown-hooks rehearse: cannot read ${from}: ${(error as Error).message}\n`,
    );
    return 2;
  }
  if (!Array.isArray(result?.requests?.log) || !Array.isArray(result.timeline)) {
    process.stderr.write(
      `shutdown-hooks rehearse: ${from} is not the output of rehearse --json (no requests.log or timeline)\n`,
    );
    return 2;
  }
  writeFileSync(html, renderHtml(result));
  return 0;
}

/** The readable report: timeline, requests by outcome, exit, the service's own report, verdict. */
export function format(r: Rehearsal, lag: number): string {
  const out: string[] = [];
  if (r.platform) out.push(`Platform: ${r.platform}`, '');
  out.push('Timeline (ms from the start of termination)');
  for (const { ms, what } of r.timeline) out.push(`  ${String(ms).padStart(7)}  ${what}`);
  out.push(
    '',
    `Requests: ${r.requests.sent} sent, ${r.requests.ok} ok, ${r.requests.failed} failed${r.requests.unsent > 0 ? ` (${r.requests.unsent} more were due but never sent)` : ''}`,
  );
  for (const kind of OUTCOMES) {
    const n = r.requests.byKind[kind] ?? 0;
    if (n > 0 || kind === 'ok') out.push(`  ${kind.padEnd(11)}${String(n).padStart(7)}`);
  }
  const how = r.exit.signal ? `signal ${r.exit.signal}` : `code ${r.exit.code}`;
  out.push(
    '',
    `Exit: ${how} after ${r.exit.ms} ms${r.exit.killed ? ' (killed at the grace period)' : ''}`,
  );
  out.push(
    `Readiness: ${r.readiness.flippedMs === null ? 'never answered 503' : `503 after ${r.readiness.flippedMs} ms`} (the endpoint routed for ${lag} ms)`,
  );
  if (r.container) {
    const c = r.container;
    out.push(
      `Container: ${c.image} on ${c.engine}; PID 1: ${c.pid1 ?? 'unknown'}${c.init ? ' (an init)' : ''}; exit code ${c.exitCode}${c.oomKilled ? '; OOMKilled' : ''}`,
    );
  }
  if (r.report) {
    out.push(
      '',
      `The service's report: ${r.report.reason}, exit code ${r.report.exitCode}, ${r.report.durationMs} ms${r.report.timedOut ? ', timed out' : ''}${r.report.platform ? `, defaults of ${r.report.platform}` : ''}`,
    );
    for (const h of r.report.hooks) out.push(`  ${hookLine(h)}`);
  } else {
    out.push(
      '',
      "The service's report: none (it does not use shutdown-hooks, or did not finish a shutdown)",
    );
  }
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `- ${n}`));
  out.push(
    '',
    r.verdict === 'pass'
      ? 'PASS: no request failed, and the service exited on its own in time.'
      : 'FAIL',
  );
  return `${out.join('\n')}\n`;
}

function hookLine(h: HookResult): string {
  const error = h.error ? `  ${(h.error as { message?: string }).message ?? ''}` : '';
  return `${h.name.padEnd(24)} ${String(h.priority).padStart(4)}  ${h.status.padEnd(8)} ${String(h.durationMs).padStart(6)} ms${error}`;
}
