import type { CheckpointPhase } from '../aws/store/checkpoint-store';

/**
 * The update workflow's CloudWatch metrics, in one place: the Lambdas emit
 * them (EMF, through their log streams) and the dashboard and alarms read them.
 *
 * Dimensions stay low-cardinality: `cluster`, and `phase` on PhaseDuration.
 * Powertools Metrics always adds `service` (= METRIC_SERVICE), a constant.
 * Node and update ids are never dimensions; the update id rides along as EMF
 * metadata, searchable in Logs Insights but not a metric of its own.
 */
export const METRIC_NAMESPACE = 'ClusterUpdate';

/** The `service` dimension Powertools puts on every metric. */
export const METRIC_SERVICE = 'cluster-update';

export const MetricDimension = {
  cluster: 'cluster',
  phase: 'phase',
  service: 'service',
} as const;

export const MetricName = {
  /** Nodes that ended the update at the new release (canary included). */
  NodesUpdated: 'NodesUpdated',
  /** Nodes with a failed step that never rejoined. */
  NodesFailed: 'NodesFailed',
  /** Nodes skipped because they were unhealthy when the update was planned. */
  NodesSkipped: 'NodesSkipped',
  ServicesUpdated: 'ServicesUpdated',
  ServicesFailed: 'ServicesFailed',
  /** Services skipped because a service they depend on failed. */
  ServicesSkipped: 'ServicesSkipped',
  /** A canary step failed (the update stopped with every other node untouched). */
  CanaryFailed: 'CanaryFailed',
  /** First checkpoint started to last checkpoint ended, per phase (dimension `phase`). */
  PhaseDuration: 'PhaseDuration',
  /** A start refused because another update holds the cluster's lock. */
  LockHeld: 'LockHeld',
  UpdatesSucceeded: 'UpdatesSucceeded',
  UpdatesFailed: 'UpdatesFailed',
  UpdatesStopped: 'UpdatesStopped',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** The two units the workflow uses (the names match CloudWatch's and Powertools' units). */
export type MetricUnitName = 'Count' | 'Milliseconds';

/** One value to emit; `phase` (PhaseDuration only) becomes a dimension. */
export interface MetricDatum {
  readonly name: MetricName;
  readonly unit: MetricUnitName;
  readonly value: number;
  readonly phase?: string;
}

/** The phases PhaseDuration is emitted for: the checkpoint phases, in workflow order. */
export const DURATION_PHASES = ['pre-hooks', 'canary', 'handover', 'wave', 'service', 'post-hooks', 'rollback'] as const satisfies readonly CheckpointPhase[];
