import { ClusterUpdateError } from '../../core/errors';

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
  public constructor(holder: LockHolder) {
    const why = holder.state === 'PARKED' ? 'it ended unfinished and waits to be resumed or rolled back' : `its lease runs until ${new Date(holder.leaseExpiresAt).toISOString()}`;
    super(
      `the lock for cluster ${holder.cluster} is held by update ${holder.updateId} since ${holder.acquiredAt} (${why}); ` +
        `wait for it, resume it with \`cluster-update resume ${holder.updateId}\`, or release it with \`cluster-update unlock --force\``,
    );
    this.name = 'LockHeldError';
    this.holder = holder;
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
