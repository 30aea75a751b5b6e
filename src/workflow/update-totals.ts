import type { CheckpointRecord } from '../aws/store/checkpoint-store';
import { MetricName, type MetricDatum } from './metric-names';

/**
 * What an update did, read from its checkpoints when an execution ends
 * (Finalize or RecordFailure): nodes and services updated, failed and skipped,
 * and how long each phase took, from its first checkpoint started to its last
 * ended. Counting from checkpoints rather than per task keeps the numbers
 * right however often a step was polled or retried; a resumed update reports
 * its totals again when its redriven execution ends.
 */
export function updateTotals(checkpoints: readonly CheckpointRecord[]): MetricDatum[] {
  const nodeSteps = checkpoints.filter((c) => c.phase === 'canary' || c.phase === 'wave');
  const rejoined = new Set(nodeSteps.filter((c) => c.step === 'rejoin' && c.status === 'SUCCEEDED').map((c) => c.target));
  const failedNodes = new Set(nodeSteps.filter((c) => c.status === 'FAILED' && !rejoined.has(c.target)).map((c) => c.target));
  const skippedNodes = new Set(nodeSteps.filter((c) => c.status === 'SKIPPED' && !rejoined.has(c.target) && !failedNodes.has(c.target)).map((c) => c.target));
  const services = checkpoints.filter((c) => c.phase === 'service' && c.step === 'service');
  const servicesWith = (status: CheckpointRecord['status']) => services.filter((c) => c.status === status).length;
  return [
    count(MetricName.NodesUpdated, rejoined.size),
    count(MetricName.NodesFailed, failedNodes.size),
    count(MetricName.NodesSkipped, skippedNodes.size),
    count(MetricName.ServicesUpdated, servicesWith('SUCCEEDED')),
    count(MetricName.ServicesFailed, servicesWith('FAILED')),
    count(MetricName.ServicesSkipped, servicesWith('SKIPPED')),
    ...phaseDurations(checkpoints),
  ];
}

function count(name: MetricName, value: number): MetricDatum {
  return { name, unit: 'Count', value };
}

/** One PhaseDuration per phase that has both a start and an end; phases in the order they first started. */
function phaseDurations(checkpoints: readonly CheckpointRecord[]): MetricDatum[] {
  const spans = new Map<string, { start: number; end: number }>();
  for (const c of checkpoints) {
    const started = c.startedAt ? Date.parse(c.startedAt) : Number.NaN;
    const ended = c.endedAt ? Date.parse(c.endedAt) : Number.NaN;
    const span = spans.get(c.phase) ?? { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY };
    if (!Number.isNaN(started)) span.start = Math.min(span.start, started);
    if (!Number.isNaN(ended)) span.end = Math.max(span.end, ended);
    spans.set(c.phase, span);
  }
  return [...spans]
    .filter(([, span]) => Number.isFinite(span.start) && Number.isFinite(span.end) && span.end >= span.start)
    .sort(([, a], [, b]) => a.start - b.start)
    .map(([phase, span]) => ({ name: MetricName.PhaseDuration, unit: 'Milliseconds', value: span.end - span.start, phase }));
}
