import type { HookResult } from '../core/types.js';
import type { Outcome } from './load.js';
import type { Moment, RehearsalResult } from './result.js';

// `rehearse --html`: the rehearsal as one page that opens offline. An SVG written here (no
// script, no font, no stylesheet fetched): requests per time slice stacked by outcome, the
// moments of the termination as labelled lines, the service's hooks as bars; then the tables.
// Every colour has a pattern and a label too, so the picture reads in grey as well.

/** The outcome groups of the picture, in stacking order, each with its colour and pattern. */
const GROUPS = [
  { name: 'ok', label: 'ok', of: ['ok'], color: '#2e7d32', pattern: 'solid' },
  { name: '503', label: '503 (not ready)', of: ['503'], color: '#f9a825', pattern: 'hatch' },
  { name: 'error', label: 'other 4xx/5xx', of: ['4xx', '5xx'], color: '#c62828', pattern: 'cross' },
  { name: 'refused', label: 'refused', of: ['refused'], color: '#6a1b9a', pattern: 'dots' },
  { name: 'reset', label: 'reset', of: ['reset'], color: '#4e342e', pattern: 'vertical' },
  {
    name: 'never',
    label: 'never answered',
    of: ['unanswered', 'timeout'],
    color: '#757575',
    pattern: 'horizontal',
  },
] as const satisfies readonly {
  name: string;
  label: string;
  of: readonly Outcome[];
  color: string;
  pattern: string;
}[];

/** The moments drawn as lines, with their labels. */
const MARKED: Readonly<Partial<Record<Moment['kind'], string>>> = {
  preStop: 'preStop',
  signal: 'signal',
  readiness: 'readiness 503',
  lag: 'end of lag',
  'last-ok': 'last request served',
  killed: 'SIGKILL',
  exit: 'exit',
};

const STATUS_COLOR: Readonly<Record<HookResult['status'], string>> = {
  ok: '#2e7d32',
  error: '#c62828',
  timeout: '#ef6c00',
  skipped: '#9e9e9e',
};

const WIDTH = 960;
const LEFT = 170;
const RIGHT = 30;
const TOP = 64;
const CHART = 170;
const ROW = 20;

/** The page: title, verdict, the picture, the outcome table, the exit and the notes. */
export function renderHtml(result: RehearsalResult): string {
  const verdict = result.verdict === 'pass' ? 'PASS' : 'FAIL';
  const failed = result.requests.failed;
  const rows = Object.entries(result.requests.byKind)
    .map(([kind, n]) => `<tr><td>${escapeHtml(kind)}</td><td>${n}</td></tr>`)
    .join('');
  const exit = result.exit;
  const how =
    exit.code === null
      ? `signal ${exit.signal}${exit.killed ? ' (SIGKILL at the grace period)' : ''}`
      : `code ${exit.code}`;
  const notes = result.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Rehearsal: ${verdict}, ${failed} of ${result.requests.sent} requests failed</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #212121; max-width: ${WIDTH + 40}px; }
h1 { font-size: 20px; margin: 0 0 8px; }
.pass { color: #2e7d32; } .fail { color: #c62828; }
table { border-collapse: collapse; margin: 8px 0 16px; }
td, th { border: 1px solid #bdbdbd; padding: 2px 10px; text-align: left; }
</style>
</head>
<body>
<h1>Rehearsal: <span class="${verdict.toLowerCase()}">${verdict}</span></h1>
<p>${result.requests.sent} requests sent, ${result.requests.ok} ok, ${failed} failed${result.requests.unsent ? `, ${result.requests.unsent} never sent (the service answered fewer than the rate)` : ''}. Terminated with ${escapeHtml(result.settings.signal)}${result.settings.preStop ? ` after the preStop ${escapeHtml(result.settings.preStop)}` : ''}; endpoint lag ${result.settings.lagMs} ms; grace period ${result.settings.graceMs} ms${result.platform ? `; platform ${escapeHtml(result.platform)}` : ''}.</p>
${renderSvg(result)}
<h2>Requests by outcome</h2>
<table><tr><th>outcome</th><th>requests</th></tr>${rows}</table>
<h2>Exit</h2>
<p>${escapeHtml(how)} after ${exit.ms} ms</p>
<h2>Notes</h2>
${notes ? `<ul>${notes}</ul>` : '<p>none</p>'}
</body>
</html>
`;
}

/** The timeline picture alone, as an SVG element (also a file of its own with the namespace). */
export function renderSvg(result: RehearsalResult): string {
  const log = result.requests.log;
  const moments = result.timeline.filter((m) => m.kind in MARKED);
  const hooks = hookBars(result);
  const times = [
    0,
    ...log.map(([sent]) => sent),
    ...log.map(([, ended]) => ended),
    ...moments.map((m) => m.ms),
    ...hooks.map((h) => h.start + h.durationMs),
  ];
  const from = Math.min(...times);
  let to = Math.max(...times);
  const grace = result.settings.graceMs;
  const graceShown = grace <= to * 1.5 || result.exit.killed;
  if (graceShown) to = Math.max(to, grace);
  const span = Math.max(1, to - from) * 1.02;
  const plot = WIDTH - LEFT - RIGHT;
  const x = (ms: number) => LEFT + ((ms - from) / span) * plot;
  const step = sliceWidth(span);
  const start = Math.floor(from / step) * step;
  const slices: number[][] = [];
  for (const [sent, , outcome] of log) {
    const i = Math.floor((sent - start) / step);
    slices[i] ??= GROUPS.map(() => 0);
    const group = GROUPS.findIndex((g) => (g.of as readonly string[]).includes(outcome));
    slices[i]![group] = (slices[i]![group] ?? 0) + 1;
  }
  const most = Math.max(1, ...slices.filter(Boolean).map((counts) => sum(counts)));
  const bars: string[] = [];
  slices.forEach((counts, i) => {
    if (!counts) return;
    let y = TOP + CHART;
    const left = x(start + i * step);
    const width = Math.max(1, x(start + (i + 1) * step) - left - 1);
    counts.forEach((n, g) => {
      if (n === 0) return;
      const h = (n / most) * CHART;
      y -= h;
      const group = GROUPS[g]!;
      bars.push(
        `<rect class="slice ${group.name}" x="${f(left)}" y="${f(y)}" width="${f(width)}" height="${f(h)}" fill="url(#p-${group.name})"><title>${n} ${group.label}, sent ${start + i * step} to ${start + (i + 1) * step} ms</title></rect>`,
      );
    });
  });
  const hooksTop = TOP + CHART + 40;
  const height = hooksTop + Math.max(1, hooks.length) * ROW + 70;
  const lines = moments.map((m) => ({
    x: x(m.ms),
    label: `${MARKED[m.kind]} ${m.ms} ms`,
    kind: m.kind,
  }));
  if (graceShown && !result.exit.killed) {
    lines.push({ x: x(grace), label: `grace period ${grace} ms`, kind: 'grace' as Moment['kind'] });
  }
  const markers = placeLabels(lines).map((line) => marker(line, height));
  const hookRows = hooks.map((hook, i) => {
    const y = hooksTop + i * ROW;
    const left = x(hook.start);
    const width = Math.max(2, x(hook.start + hook.durationMs) - left);
    return `<g class="hook ${hook.status}"><text x="${LEFT - 6}" y="${y + 13}" text-anchor="end">${escapeHtml(hook.name)} (${hook.priority})</text><rect x="${f(left)}" y="${y + 3}" width="${f(width)}" height="${ROW - 6}" fill="${STATUS_COLOR[hook.status]}"><title>${escapeHtml(hook.name)}: ${hook.status} in ${hook.durationMs} ms</title></rect>${statusText(left, width, y, `${hook.status}, ${hook.durationMs} ms`)}</g>`;
  });
  const axis = ticks(from, to, span).map(
    (t) =>
      `<line x1="${f(x(t))}" y1="${TOP + CHART}" x2="${f(x(t))}" y2="${TOP + CHART + 5}" stroke="#616161"/><text x="${f(x(t))}" y="${TOP + CHART + 17}" text-anchor="middle">${t}</text>`,
  );
  const legend = GROUPS.map((g, i) => {
    const lx = LEFT + i * 125;
    const ly = height - 22;
    return `<rect x="${lx}" y="${ly - 10}" width="14" height="12" fill="url(#p-${g.name})" stroke="#424242" stroke-width="0.5"/><text x="${lx + 18}" y="${ly}">${g.label}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Requests by outcome over time, the moments of termination and the service's hooks">
<style>text { font: 11px system-ui, sans-serif; fill: #212121; }</style>
<defs>${GROUPS.map(patternOf).join('')}</defs>
<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>
<text x="${LEFT - 6}" y="${TOP + 10}" text-anchor="end">requests sent</text>
<text x="${LEFT - 6}" y="${TOP + 24}" text-anchor="end">per ${step} ms (max ${most})</text>
<line x1="${LEFT}" y1="${TOP + CHART}" x2="${WIDTH - RIGHT}" y2="${TOP + CHART}" stroke="#616161"/>
${bars.join('\n')}
${axis.join('')}
<text x="${WIDTH - RIGHT}" y="${TOP + CHART + 31}" text-anchor="end">ms from the start of termination</text>
<text x="${LEFT - 6}" y="${hooksTop - 6}" text-anchor="end">hooks (priority)</text>
${hookRows.join('\n') || `<text x="${LEFT}" y="${hooksTop + 13}">no report from the service: no hooks to show</text>`}
${markers.join('\n')}
${legend.join('')}
${graceShown ? '' : `<text x="${WIDTH - RIGHT}" y="${height - 40}" text-anchor="end">grace period: ${grace} ms, past the right edge</text>`}
</svg>`;
}

interface Bar {
  readonly name: string;
  readonly priority: number;
  readonly status: HookResult['status'];
  readonly start: number;
  readonly durationMs: number;
}

/** The report's hooks, placed on the rehearsal's clock, by priority (the order they ran in). */
function hookBars(result: RehearsalResult): Bar[] {
  const report = result.report;
  if (!report) return [];
  const offset = report.startedAt - result.startedAt;
  return [...report.hooks]
    .sort((a, b) => b.priority - a.priority)
    .map((hook) => ({
      name: hook.name,
      priority: hook.priority,
      status: hook.status,
      start: offset + (hook.startMs ?? report.durationMs),
      durationMs: hook.durationMs,
    }));
}

/** A hook's status after its bar, or before it when it would pass the right edge. */
function statusText(left: number, width: number, y: number, text: string): string {
  const after = left + width + 4;
  if (after + text.length * 6 <= WIDTH - 4) {
    return `<text x="${f(after)}" y="${y + 13}">${text}</text>`;
  }
  return `<text x="${f(left - 4)}" y="${y + 13}" text-anchor="end">${text}</text>`;
}

interface Line {
  readonly x: number;
  readonly label: string;
  readonly kind: string;
  readonly row?: number;
  readonly anchorEnd?: boolean;
}

/**
 * Gives each marker's label a row above the chart where it does not overlap the one before it
 * (about 6 px a character), and anchors a label at its end when it would pass the right edge.
 */
function placeLabels(lines: readonly Line[]): Line[] {
  const ends: number[] = [];
  return [...lines]
    .sort((a, b) => a.x - b.x)
    .map((line) => {
      const width = line.label.length * 6 + 8;
      const anchorEnd = line.x + width > WIDTH - 4;
      const from = anchorEnd ? line.x - width : line.x;
      let row = ends.findIndex((end) => end < from);
      if (row === -1 || row > 3) row = Math.min(ends.length, 3);
      ends[row] = anchorEnd ? line.x : line.x + width;
      return { ...line, row, anchorEnd };
    });
}

/** A labelled vertical line across the picture. */
function marker(line: Line, height: number): string {
  const y = 14 + (line.row ?? 0) * 12;
  const tx = line.anchorEnd ? line.x - 3 : line.x + 3;
  return `<g class="marker ${line.kind}"><line x1="${f(line.x)}" y1="${y + 3}" x2="${f(line.x)}" y2="${height - 40}" stroke="#212121" stroke-dasharray="4 3"/><text x="${f(tx)}" y="${y}"${line.anchorEnd ? ' text-anchor="end"' : ''}>${escapeHtml(line.label)}</text></g>`;
}

function patternOf(group: (typeof GROUPS)[number]): string {
  const id = `p-${group.name}`;
  const base = `<rect width="8" height="8" fill="${group.color}"/>`;
  const marks: Record<string, string> = {
    solid: '',
    hatch: '<path d="M0,8 L8,0" stroke="#ffffff" stroke-width="1.5"/>',
    cross: '<path d="M0,8 L8,0 M0,0 L8,8" stroke="#ffffff" stroke-width="1.2"/>',
    dots: '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
    vertical: '<path d="M4,0 L4,8" stroke="#ffffff" stroke-width="1.5"/>',
    horizontal: '<path d="M0,4 L8,4" stroke="#ffffff" stroke-width="1.5"/>',
  };
  return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${base}${marks[group.pattern]}</pattern>`;
}

/** A slice width that gives 40 to 100 slices: 10, 20, 50, 100, 200, 500 ms… */
function sliceWidth(span: number): number {
  for (const width of [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]) {
    if (span / width <= 100) return width;
  }
  return 30_000;
}

/** Round tick values across [from, to]. */
function ticks(from: number, to: number, span: number): number[] {
  const step =
    [100, 200, 500, 1000, 2000, 5000, 10_000, 30_000].find((s) => span / s <= 12) ?? 60_000;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

const f = (n: number) => n.toFixed(1);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`,
  );
}
