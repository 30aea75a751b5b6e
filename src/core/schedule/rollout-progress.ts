/**
 * What the rollout has done so far, as the scheduler reads it (serializable: ids and names only, so a task can
 * build it from checkpoints). Which services are *done* is derived: a long-running service is done when every
 * replica on a healthy node is in `replicasDone` (the canary's too), a one-off when it is in `oneOffsRan`.
 */
export interface RolloutProgress {
  /** Nodes whose platform outage (drain, platform steps, rejoin, health) succeeded; the canary's included. */
  readonly platformDone: readonly string[];
  /** Nodes whose platform outage failed: they stay out, every replica on them counts as out. */
  readonly failedNodes: readonly string[];
  /** Long-running service → nodes whose replica was updated and passed its check. */
  readonly replicasDone: Readonly<Record<string, readonly string[]>>;
  /** Long-running service → nodes whose replica update failed: still out, counted against the service's budget. */
  readonly replicasFailed: Readonly<Record<string, readonly string[]>>;
  /** Services (long-running or one-off) that failed in this run: their dependents are skipped. */
  readonly servicesFailed: readonly string[];
  /** One-offs that ran (on the canary or in the rollout). */
  readonly oneOffsRan: readonly string[];
}

export const NO_PROGRESS: RolloutProgress = { platformDone: [], failedNodes: [], replicasDone: {}, replicasFailed: {}, servicesFailed: [], oneOffsRan: [] };
