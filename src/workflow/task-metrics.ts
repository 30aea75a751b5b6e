import { MetricName, type MetricDatum } from './metric-names';

/** How a task invocation ended: its output, or the name of the error it threw (what Step Functions sees). */
export type TaskOutcome = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly errorName: string };

export interface TaskMetrics {
  /** The counts this invocation contributes. */
  readonly metrics: readonly MetricDatum[];
  /** The execution ends here: the publisher adds the update's totals from its checkpoints (see updateTotals). */
  readonly endsUpdate: boolean;
}

/**
 * What one task invocation counts. Pure: the Lambda side decides from the
 * task's name and outcome, the activities know nothing of metrics.
 *
 * - AcquireLock refused with LockHeldError → LockHeld.
 * - CanaryStep failing with CanaryFailedError → CanaryFailed.
 * - Finalize returning → UpdatesSucceeded (its failures go on to RecordFailure).
 * - RecordFailure / RecordRejected returning → UpdatesStopped for UpdateStopped, else UpdatesFailed.
 */
export function taskMetrics(task: string, outcome: TaskOutcome): TaskMetrics {
  const one = (name: MetricName, endsUpdate = false): TaskMetrics => ({ metrics: [{ name, unit: 'Count', value: 1 }], endsUpdate });
  if (!outcome.ok) {
    if (task === 'acquire-lock' && outcome.errorName === 'LockHeldError') return one(MetricName.LockHeld);
    if (task === 'canary-step' && outcome.errorName === 'CanaryFailedError') return one(MetricName.CanaryFailed);
    return { metrics: [], endsUpdate: false };
  }
  if (task === 'finalize') return one(MetricName.UpdatesSucceeded, true);
  if (task === 'record-outcome') return one(errorOf(outcome.output) === 'UpdateStopped' ? MetricName.UpdatesStopped : MetricName.UpdatesFailed, true);
  return { metrics: [], endsUpdate: false };
}

function errorOf(output: unknown): string | undefined {
  return typeof output === 'object' && output !== null && 'error' in output && typeof output.error === 'string' ? output.error : undefined;
}
