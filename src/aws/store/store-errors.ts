import { ClusterUpdateError, InputError } from '../../core/errors';
import type { OwnerExecution } from '../executions/execution-reader';

/** What the lock item says about its holder. */
export interface LockHolder {
  readonly cluster: string;
  readonly updateId: string;
  readonly owner: string;
  readonly fence: number;
  readonly state: 'ACTIVE' | 'PARKED';
  readonly acquiredAt: string;
  readonly leaseExpiresAt: number;
}

/** Another update holds the cluster's lock. */
export class LockHeldError extends ClusterUpdateError {
  public readonly holder: LockHolder;
  /** The holder's execution as DescribeExecution saw it, when it was asked. */
  public readonly execution?: OwnerExecution;
  public constructor(holder: LockHolder, execution?: OwnerExecution) {
    const running = execution?.status === 'RUNNING' ? `execution RUNNING since ${execution.startDate?.toISOString() ?? holder.acquiredAt}` : undefined;
    const why = holder.state === 'PARKED'
      ? 'it ended unfinished and waits to be resumed or rolled back'
      : `${running ?? `acquired ${holder.acquiredAt}`}; its lease runs until ${new Date(holder.leaseExpiresAt).toISOString()}`;
    const next = running
      ? `wait for it, or stop it with \`cluster-update stop ${holder.updateId} --now\` first`
      : `wait for it, resume it with \`cluster-update resume ${holder.updateId}\`, or release it with \`cluster-update unlock --force\``;
    super(`cluster ${holder.cluster}: lock held by update ${holder.updateId} (${why}); ${next}`);
    this.name = 'LockHeldError';
    this.holder = holder;
    this.execution = execution;
  }
}

/**
 * A task invocation that no longer holds the lock: it belongs to a stopped
 * or superseded run of its execution (a park or a newer redrive moved the
 * fence on), or the lock changed hands. It must write nothing and send nothing.
 */
export class FencedOutError extends ClusterUpdateError {
  public constructor(
    public readonly cluster: string,
    public readonly writer: { owner: string; fence: number; generation?: number },
    public readonly current: { owner?: string; fence?: number; state?: string; generation?: number },
  ) {
    super(
      `fenced out: ${writer.owner} (fence ${writer.fence}${writer.generation === undefined ? '' : `, run ${writer.generation}`}) no longer holds the lock for cluster ${cluster}; ` +
        `it is ${current.state ?? 'gone'} with ${current.owner ?? 'nobody'}, fence ${current.fence ?? '-'}${current.generation === undefined ? '' : `, run ${current.generation}`}`,
    );
    this.name = 'FencedOutError';
  }
}

/** `unlock --force` while the holder's execution still runs: releasing would leave it writing beside the next update. */
export class OwnerStillRunningError extends InputError {
  public constructor(public readonly holder: LockHolder, public readonly execution: OwnerExecution) {
    super(
      `the lock of cluster ${holder.cluster} is held by update ${holder.updateId}, whose execution is RUNNING since ${execution.startDate?.toISOString() ?? holder.acquiredAt}; ` +
        `unlocking would let a second update run beside it. Stop it with \`cluster-update stop ${holder.updateId} --now\` first, then unlock`,
    );
    this.name = 'OwnerStillRunningError';
  }
}

/** A write by a task whose lock was taken over (its fence is stale). */
export class FenceRejectedError extends ClusterUpdateError {
  public constructor(
    public readonly cluster: string,
    public readonly writer: { owner: string; fence: number },
    public readonly current: { owner?: string; fence?: number },
  ) {
    super(
      `write rejected: ${writer.owner} wrote with fence ${writer.fence}, but the lock for cluster ${cluster} ` +
        `is now held by ${current.owner ?? 'nobody'} with fence ${current.fence ?? '-'}`,
    );
    this.name = 'FenceRejectedError';
  }
}
