import { escapeHtml } from './html-escape';
import { axisTicks, durationLabel } from './time-axis';
import type { Timeline, TimelineBar, TimelineLane } from './timeline-model';

/** Geometry of the drawing, in CSS pixels: fits a 1,400 px window without scrolling. */
const WIDTH = 1320;
const LABEL_WIDTH = 250;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_RIGHT = WIDTH - 24;
const AXIS_HEIGHT = 26;
const GROUP_HEIGHT = 26;
const ROW_HEIGHT = 22;
const BAR_HEIGHT = 14;
const SUMMARY_HEIGHT = 3;
/** A bar is never thinner than this, so a one-second step on a one-hour axis still shows (and takes a hover). */
const MIN_BAR_WIDTH = 3;
/** Skipped steps and markers are hatched: they need room for the hatching to read. */
const MARKER_WIDTH = 8;
const LABEL_CHARS = 28;
const CHAR_WIDTH = 6.6;

/** The hatching (skipped) and stripes (running) bars are filled with; referenced by CSS as url(#…). */
export const SVG_PATTERNS = [
  '<pattern id="cu-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e5e7eb"/><rect width="2.5" height="6" fill="#9ca3af"/></pattern>',
  '<pattern id="cu-stripes" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="10" height="10" fill="#2563eb"/><rect width="4" height="10" fill="#60a5fa"/></pattern>',
].join('');

/**
 * The Gantt chart as inline SVG (HTML5 needs no namespace, so the file names
 * no URL at all). One `rect.bar` per timeline bar, each with a `<title>`
 * tooltip; lanes under group headings; a time axis above and below.
 */
export function renderTimelineSvg(timeline: Timeline): string {
  const span = timeline.endMs - timeline.startMs;
  const xOf = (ms: number) => PLOT_LEFT + ((ms - timeline.startMs) / span) * (PLOT_RIGHT - PLOT_LEFT);
  const parts: string[] = [];
  let y = AXIS_HEIGHT;
  timeline.groups.forEach((group) => {
    parts.push(`<g class="group" data-group="${escapeHtml(group.key)}"><rect class="group-band" x="0" y="${y}" width="${WIDTH}" height="${GROUP_HEIGHT}"/><text class="group-title" x="8" y="${y + 17}">${escapeHtml(group.title)}${group.collapsed ? ' <tspan class="collapsed-note">(collapsed: one bar per step)</tspan>' : ''}</text>`);
    y += GROUP_HEIGHT;
    group.lanes.forEach((lane, index) => {
      parts.push(renderLane(lane, y, index, xOf));
      y += ROW_HEIGHT;
    });
    parts.push('</g>');
  });
  const height = y + AXIS_HEIGHT;
  const ticks = axisTicks(timeline.startMs, timeline.endMs, 12);
  const grid = ticks.map((t) => `<line class="grid" x1="${fixed(xOf(t.atMs))}" x2="${fixed(xOf(t.atMs))}" y1="${AXIS_HEIGHT - 4}" y2="${y + 4}"/>`).join('');
  const axis = (baseline: number) =>
    `<g class="axis">${ticks.map((t) => `<text x="${fixed(xOf(t.atMs))}" y="${baseline}" text-anchor="middle">${escapeHtml(t.label)}</text>`).join('')}</g>`;
  return [
    `<svg class="timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Timeline of the update">`,
    `<defs>${SVG_PATTERNS}</defs>`,
    `<text class="axis-caption" x="8" y="${AXIS_HEIGHT - 9}">time since start</text>`,
    grid,
    axis(AXIS_HEIGHT - 9),
    ...parts,
    axis(y + 18),
    '</svg>',
  ].join('');
}

function renderLane(lane: TimelineLane, top: number, index: number, xOf: (ms: number) => number): string {
  const label = lane.label.length > LABEL_CHARS ? `${lane.label.slice(0, LABEL_CHARS - 1)}…` : lane.label;
  const barTop = top + (ROW_HEIGHT - BAR_HEIGHT) / 2;
  const summary = lane.summary
    ? lane.bars.length > 0
      ? renderBar(lane.summary, { top: top + ROW_HEIGHT - SUMMARY_HEIGHT - 1, height: SUMMARY_HEIGHT, summary: true }, xOf)
      : renderBar(lane.summary, { top: barTop, height: BAR_HEIGHT, summary: true }, xOf)
    : '';
  // Failures are drawn last so that overlapping bars (a hook on many nodes) never hide one.
  const bars = [...lane.bars].sort((a, b) => Number(a.status === 'FAILED') - Number(b.status === 'FAILED'));
  return [
    `<g class="lane" data-lane="${escapeHtml(lane.key)}">`,
    `<rect class="lane-band${index % 2 === 1 ? ' odd' : ''}" x="0" y="${top}" width="${WIDTH}" height="${ROW_HEIGHT}"/>`,
    `<text class="lane-label" x="20" y="${top + 15}">${escapeHtml(label)}<title>${escapeHtml(lane.label)}</title></text>`,
    lane.detail !== undefined ? `<text class="lane-detail" x="${LABEL_WIDTH - 4}" y="${top + 15}" text-anchor="end">${escapeHtml(lane.detail)}</text>` : '',
    summary,
    ...bars.map((bar) => renderBar(bar, { top: barTop, height: BAR_HEIGHT, summary: false }, xOf)),
    '</g>',
  ].join('');
}

function renderBar(bar: TimelineBar, place: { top: number; height: number; summary: boolean }, xOf: (ms: number) => number): string {
  const narrow = bar.kind === 'marker' || bar.status === 'SKIPPED';
  const start = xOf(bar.startMs);
  const width = Math.max(xOf(bar.endMs) - start, narrow ? MARKER_WIDTH : MIN_BAR_WIDTH);
  // A marker is centred on its moment, but never leaves the plot.
  const x = Math.min(Math.max(bar.kind === 'marker' ? start - MARKER_WIDTH / 2 : start, PLOT_LEFT), PLOT_RIGHT - width);
  const classes = ['bar', bar.status.toLowerCase(), bar.kind === 'marker' ? 'marker' : '', bar.count > 1 ? 'aggregated' : '', place.summary ? 'summary' : '', bar.open ? 'open' : ''].filter(Boolean).join(' ');
  const attributes = [
    `class="${classes}"`,
    `x="${fixed(x)}" y="${fixed(place.top)}" width="${fixed(width)}" height="${place.height}" rx="2"`,
    `data-phase="${escapeHtml(bar.phase)}" data-target="${escapeHtml(bar.target)}" data-step="${escapeHtml(bar.step)}" data-status="${bar.status}" data-count="${bar.count}"`,
  ].join(' ');
  const text = fitLabel(bar.count > 1 ? `${bar.step} ×${bar.count}` : bar.step, width);
  const label = !place.summary && !narrow && text !== undefined ? `<text class="bar-label" x="${fixed(x + 4)}" y="${fixed(place.top + place.height - 3.5)}">${escapeHtml(text)}</text>` : '';
  return `<rect ${attributes}><title>${escapeHtml(barTooltip(bar))}</title></rect>${label}`;
}

/** What a hover says: which step, how it ended, when, how long, how many tries, and why it failed or was skipped. */
export function barTooltip(bar: TimelineBar): string {
  const counts = Object.entries(bar.statusCounts).map(([status, n]) => `${n} ${status.toLowerCase()}`).join(', ');
  const lines = [
    `${bar.phase} · ${bar.target} · ${bar.step}`,
    bar.count > 1 ? `${bar.status} (${bar.count} checkpoints: ${counts})` : bar.status,
    `start: ${bar.startedAt ?? '—'}`,
    `end: ${bar.endedAt ?? (bar.open ? 'still running' : '—')}`,
    `duration: ${bar.kind === 'span' ? `${durationLabel(bar.endMs - bar.startMs)}${bar.open ? ' so far' : ''}` : '—'}`,
    `attempts: ${bar.attempts}`,
  ];
  if (bar.error !== undefined) lines.push(`error: ${bar.error}`);
  if (bar.reason !== undefined) lines.push(`reason: ${bar.reason}`);
  return lines.join('\n');
}

/** The step name as far as it fits inside the bar, shortened with an ellipsis; nothing when under four characters fit. */
function fitLabel(text: string, width: number): string | undefined {
  const fits = Math.floor((width - 8) / CHAR_WIDTH);
  if (text.length <= fits) return text;
  return fits >= 4 ? `${text.slice(0, fits - 1)}…` : undefined;
}

function fixed(n: number): string {
  return String(Math.round(n * 10) / 10);
}
