/**
 * The report's only stylesheet, inlined: the file must open anywhere (an
 * incident channel, an air-gapped host), so it loads nothing. Bar colours:
 * succeeded green, failed red, skipped grey hatched, running blue striped and
 * pulsing, pending dashed outline.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --ok: #16a34a; --fail: #dc2626; --run: #2563eb; --skip: #9ca3af; --warn: #d97706; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f9fafb; }
h1 { font-size: 22px; margin: 0 0 6px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 16px; margin: 28px 0 10px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
.release { font-size: 15px; color: var(--muted); margin-bottom: 10px; }
.release strong { color: var(--ink); }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.update-error { margin-top: 12px; padding: 10px 12px; border-left: 4px solid var(--fail); background: #fef2f2; color: #991b1b; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; letter-spacing: .02em; background: #f3f4f6; color: #374151; }
.badge.succeeded, .badge.updated { background: #dcfce7; color: #166534; }
.badge.failed { background: #fee2e2; color: #991b1b; }
.badge.running, .badge.updating { background: #dbeafe; color: #1e40af; }
.badge.skipped { background: #e5e7eb; color: #374151; }
.badge.stopped, .badge.aborted, .badge.timed_out { background: #fef3c7; color: #92400e; }
h1 code { font-size: 19px; }
h1 .badge { font-size: 14px; padding: 2px 12px; }
.cards { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card h3 { margin: 0 0 8px; font-size: 13px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.counts { display: flex; gap: 22px; flex-wrap: wrap; }
.count { display: flex; flex-direction: column; }
.count b { font-size: 22px; line-height: 1.1; }
.count span { color: var(--muted); font-size: 12px; }
.count.updated b { color: var(--ok); } .count.failed b { color: var(--fail); } .count.skipped b { color: #4b5563; } .count.updating b { color: var(--run); }
.failures ul { margin: 0; padding-left: 20px; }
.failures li { margin: 3px 0; }
.error { color: #991b1b; overflow-wrap: anywhere; }
.legend { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; color: #374151; font-size: 13px; margin-bottom: 8px; }
.legend svg { vertical-align: middle; margin-right: 6px; }
.timeline-scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
svg.timeline { display: block; font-size: 12px; }
svg.timeline text { fill: var(--ink); }
.group-band { fill: #f3f4f6; }
.group-title { font-weight: 600; font-size: 13px; }
.collapsed-note { font-weight: 400; fill: var(--muted) !important; }
.lane-band { fill: #fff; }
.lane-band.odd { fill: #fafafa; }
.lane-label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.lane-detail { fill: var(--muted) !important; font-size: 11px; }
.grid { stroke: #e5e7eb; stroke-width: 1; }
.axis text { fill: var(--muted) !important; font-size: 11px; }
.axis-caption { fill: var(--muted) !important; font-size: 11px; }
.bar { stroke-width: 1; }
.bar.succeeded { fill: var(--ok); stroke: #15803d; }
.bar.failed { fill: var(--fail); stroke: #991b1b; }
.bar.skipped { fill: url(#cu-hatch); stroke: #6b7280; }
.bar.running { fill: url(#cu-stripes); stroke: #1e40af; animation: cu-pulse 1.6s ease-in-out infinite; }
.bar.pending { fill: #fff; stroke: var(--skip); stroke-dasharray: 3 2; }
.bar.summary { opacity: .75; }
.bar.aggregated { stroke-width: 1.5; }
.bar:hover { stroke: #000; stroke-width: 2; }
.bar-label { fill: #fff !important; font-size: 10.5px; pointer-events: none; }
@keyframes cu-pulse { 50% { opacity: .55; } }
@media (prefers-reduced-motion: reduce) { .bar.running { animation: none; } }
.note { color: var(--muted); font-size: 12.5px; margin: 6px 2px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-size: 12px; color: #374151; text-transform: uppercase; letter-spacing: .03em; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.error { color: #991b1b; overflow-wrap: anywhere; }
td.reason { color: #4b5563; }
details > summary { cursor: pointer; font-weight: 600; font-size: 16px; margin: 28px 0 10px; }
.empty { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
