import { Metrics } from '@aws-lambda-powertools/metrics';
import type { CheckpointRecord } from '../src/aws/store/checkpoint-store';
import { METRIC_NAMESPACE, METRIC_SERVICE, MetricDimension, type MetricDatum } from '../src/workflow/metric-names';
import { taskMetrics, type TaskOutcome } from '../src/workflow/task-metrics';
import { updateTotals } from '../src/workflow/update-totals';

export interface PublishTaskMetricsProps {
  readonly task: string;
  readonly outcome: TaskOutcome;
  /** The `cluster` dimension. */
  readonly cluster?: string;
  /** EMF metadata on every metric (never a dimension). */
  readonly updateId?: string;
  /** Reads the update's checkpoints, only when the invocation ends the update. */
  readonly loadCheckpoints: (updateId: string) => Promise<readonly CheckpointRecord[]>;
}

/**
 * Emits what one task invocation counts as one EMF log line (plus one per
 * PhaseDuration, whose `phase` dimension the others lack); CloudWatch turns
 * the lines into metrics, so the functions need no CloudWatch permission.
 * Every metric goes out twice: per cluster ({service, cluster}) and across
 * clusters ({service}), which is what the stack's alarms watch, since the
 * stack serves whichever clusters it is started for.
 *
 * A fresh Metrics instance per invocation: the local runtime runs concurrent
 * invocations in one process. With POWERTOOLS_METRICS_DISABLED (local runs)
 * nothing is computed or printed.
 */
export async function publishTaskMetrics(props: PublishTaskMetricsProps): Promise<void> {
  const counted = taskMetrics(props.task, props.outcome);
  if (counted.metrics.length === 0) return;
  const metrics = new WorkflowMetrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE });
  if (metrics.isDisabled()) return;
  const totals = counted.endsUpdate && props.updateId ? updateTotals(await props.loadCheckpoints(props.updateId)) : [];
  const all: readonly MetricDatum[] = [...counted.metrics, ...totals];
  // Counts: one line, two dimension sets (Powertools adds `service` to each), with the cluster and without it.
  if (props.cluster) metrics.addDimensions({ [MetricDimension.cluster]: props.cluster });
  metrics.addDimensions({});
  if (props.updateId) metrics.addMetadata('updateId', props.updateId);
  for (const datum of all.filter((d) => d.phase === undefined)) metrics.addMetric(datum.name, datum.unit, datum.value);
  metrics.publishStoredMetrics();
  // Durations: one line per dimension set, as two sets sharing `phase` would collide in one line.
  for (const datum of all.filter((d) => d.phase !== undefined)) {
    const sets: Record<string, string>[] = [...(props.cluster ? [{ [MetricDimension.cluster]: props.cluster }] : []), {}];
    for (const set of sets) {
      const single = metrics.singleMetric();
      single.addDimensions({ ...set, [MetricDimension.phase]: datum.phase! });
      if (props.updateId) single.addMetadata('updateId', props.updateId);
      single.addMetric(datum.name, datum.unit, datum.value);
    }
  }
}

/** Powertools keeps `isDisabled` protected; asking first spares a disabled run the checkpoint query. */
class WorkflowMetrics extends Metrics {
  public override isDisabled(): boolean {
    return super.isDisabled();
  }
}
