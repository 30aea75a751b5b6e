import { InputError } from '../../core/errors';
import type { WorkflowContext } from '../workflow-context';

export interface AcquireLockInput {
  readonly updateId: string;
  readonly cluster: string;
  /** `$$.Execution.Id`: stable across redrive, so a redriven run re-acquires its own lock. */
  readonly executionArn: string;
  /** `$$.Execution.RedriveCount`: which run of the execution asks. */
  readonly redriveCount?: number;
}

/**
 * Takes the cluster's leader lock for this execution; a concurrent update
 * fails here, naming the holder. An expired lease is taken over only when its
 * owner execution is no longer RUNNING (LockStore.acquire asks DescribeExecution).
 */
export async function acquireLock(context: WorkflowContext, input: AcquireLockInput): Promise<{ owner: string; fence: number }> {
  const record = await context.updates.require(input.updateId);
  if (record.cluster !== input.cluster) throw new InputError(`update ${input.updateId} is for cluster ${record.cluster}, not ${input.cluster}`);
  const grant = await context.locks.acquire({
    cluster: input.cluster,
    updateId: input.updateId,
    owner: input.executionArn,
    generation: input.redriveCount ?? 0,
    leaseSeconds: context.settings.leaseSeconds,
    mayTakeOverFrom: record.rollbackOf,
  });
  // From here on every record write is fenced: a takeover after this point makes them fail, not land.
  const updates = context.updates.fencedBy({ cluster: input.cluster, owner: input.executionArn, fence: grant.fence });
  await updates.setExecutionArn(input.updateId, input.executionArn);
  await updates.setStatus(input.updateId, 'RUNNING', 'plan');
  return { owner: input.executionArn, fence: grant.fence };
}
