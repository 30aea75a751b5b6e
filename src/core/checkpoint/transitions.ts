import { ClusterUpdateError } from '../errors';

/**
 * A checkpoint's life:
 *
 *   PENDING ──► RUNNING ──► SUCCEEDED (final: every rerun returns it unchanged)
 *      │           ├──────► SKIPPED (resume --skip-check of a hook stopped mid-run)
 *      │           └──────► FAILED ──► RUNNING (resume after a fix)
 *      └──► SKIPPED ◄──────────┘          ▲
 *              └──────────────────────────┘ (resume: a skipped subgraph runs again)
 *
 * RUNNING → RUNNING is a re-attach (same command) or a new attempt after a
 * crash: allowed, the stored command id says which. RUNNING → SKIPPED is an
 * operator skipping a hook that was running when the update was stopped
 * (`stop --now`, then `resume --skip-check NAME`).
 */
export type CheckpointStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

const ALLOWED: Readonly<Record<CheckpointStatus, readonly CheckpointStatus[]>> = {
  PENDING: ['RUNNING', 'SKIPPED', 'SUCCEEDED'],
  RUNNING: ['RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'],
  FAILED: ['RUNNING', 'SKIPPED'],
  SKIPPED: ['RUNNING', 'SKIPPED'],
  SUCCEEDED: [],
};

/** A transition the checkpoint model does not allow (a bug, or a writer racing another). */
export class IllegalCheckpointTransitionError extends ClusterUpdateError {
  public constructor(public readonly key: string, public readonly from: CheckpointStatus, public readonly to: CheckpointStatus) {
    super(`checkpoint ${key}: ${from} → ${to} is not allowed`);
    this.name = 'IllegalCheckpointTransitionError';
  }
}

export function canTransition(from: CheckpointStatus | undefined, to: CheckpointStatus): boolean {
  return ALLOWED[from ?? 'PENDING'].includes(to);
}

/** The statuses a checkpoint may be in for a write of `to` to be accepted (for DynamoDB conditions). */
export function allowedPredecessors(to: CheckpointStatus): CheckpointStatus[] {
  return (Object.keys(ALLOWED) as CheckpointStatus[]).filter((from) => ALLOWED[from].includes(to));
}

export function assertTransition(key: string, from: CheckpointStatus | undefined, to: CheckpointStatus): void {
  if (!canTransition(from, to)) throw new IllegalCheckpointTransitionError(key, from ?? 'PENDING', to);
}
