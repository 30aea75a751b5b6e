/** A tick of the time axis: where it is and what it reads. */
export interface AxisTick {
  /** Epoch ms. */
  readonly atMs: number;
  /** Time since the axis origin, e.g. `0s`, `30s`, `2m`, `1h30m`. */
  readonly label: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Steps an operator reads without arithmetic. */
const STEPS = [1, 2, 5, 10, 15, 30].map((s) => s * SECOND).concat([1, 2, 5, 10, 15, 30].map((m) => m * MINUTE), [1, 2, 3, 6, 12, 24].map((h) => h * HOUR));

/**
 * Ticks at a round step from the origin, at most `maxTicks` of them (plus the
 * origin), labelled with the time elapsed since the origin.
 */
export function axisTicks(startMs: number, endMs: number, maxTicks = 10): AxisTick[] {
  const span = Math.max(endMs - startMs, SECOND);
  const step = STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / (24 * HOUR)) * 24 * HOUR;
  const ticks: AxisTick[] = [];
  for (let at = 0; at <= span; at += step) ticks.push({ atMs: startMs + at, label: elapsedLabel(at) });
  return ticks;
}

/** `45s`, `2m`, `2m30s`, `1h`, `1h05m`, `2d3h`: exact at tick boundaries, unlike rounded durations. */
export function elapsedLabel(ms: number): string {
  const seconds = Math.round(ms / SECOND);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/** A duration as shown in tooltips and tables: `850ms`, `12s`, `3m05s`, `1h02m`. */
export function durationLabel(ms: number): string {
  if (ms < SECOND) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / SECOND);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
