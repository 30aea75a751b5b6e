import type { CheckpointStatus } from '../../core/checkpoint/transitions';
import type { TimelineBar } from './timeline-model';

/** What an aggregated bar shows as its colour: the most alarming status among its checkpoints. */
const PRECEDENCE: readonly CheckpointStatus[] = ['FAILED', 'RUNNING', 'PENDING', 'SUCCEEDED', 'SKIPPED'];

/**
 * Folds many bars (the same step on many targets) into one: it spans the
 * earliest start to the latest end, takes the most alarming status, and
 * counts every status so the tooltip can say "118 succeeded, 2 failed".
 */
export function aggregateBars(bars: readonly TimelineBar[], name: { readonly target: string; readonly step: string }): TimelineBar {
  const first = bars[0];
  if (!first) throw new RangeError('aggregateBars needs at least one bar');
  const statusCounts: Partial<Record<CheckpointStatus, number>> = {};
  for (const bar of bars) for (const [status, n] of Object.entries(bar.statusCounts) as [CheckpointStatus, number][]) statusCounts[status] = (statusCounts[status] ?? 0) + n;
  const status = PRECEDENCE.find((s) => statusCounts[s]) ?? first.status;
  const spans = bars.filter((b) => b.kind === 'span');
  const timed = spans.length > 0 ? spans : bars;
  const failures = bars.filter((b) => b.error !== undefined);
  const startedAt = spans.map((b) => b.startedAt).filter((t): t is string => t !== undefined).sort()[0];
  const endedAt = bars.map((b) => b.endedAt).filter((t): t is string => t !== undefined).sort().at(-1);
  const reason = bars.find((b) => b.reason !== undefined)?.reason;
  return {
    phase: first.phase,
    target: name.target,
    step: name.step,
    status,
    kind: spans.length > 0 ? 'span' : 'marker',
    startMs: Math.min(...timed.map((b) => b.startMs)),
    endMs: Math.max(...bars.map((b) => b.endMs)),
    open: bars.some((b) => b.open),
    attempts: Math.max(...bars.map((b) => b.attempts)),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(failures.length > 0 ? { error: failures.length > 1 ? `${failures[0]!.error} (and ${failures.length - 1} more failures)` : failures[0]!.error } : {}),
    ...(reason !== undefined ? { reason } : {}),
    count: bars.reduce((n, b) => n + b.count, 0),
    statusCounts,
  };
}

/** Groups bars by `stepOf` and aggregates each group, in the order the steps began. */
export function collapseBySteps(bars: readonly TimelineBar[], target: string, stepOf: (bar: TimelineBar) => string): TimelineBar[] {
  const bySteps = new Map<string, TimelineBar[]>();
  for (const bar of bars) {
    const step = stepOf(bar);
    const group = bySteps.get(step);
    if (group) group.push(bar);
    else bySteps.set(step, [bar]);
  }
  return [...bySteps].map(([step, group]) => aggregateBars(group, { target, step })).sort((a, b) => a.startMs - b.startMs);
}
