import { RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LockStore } from '../../aws/store/lock-store';
import { UpdateStore } from '../../aws/store/update-store';
import { tableOf, type Target } from '../target';
import { NothingToResumeError, UpdateRunningError } from './operation-errors';
import { describeRecordedExecution } from './read-update';
import { assertSkippable } from './skip-checks';

export interface ResumedUpdate {
  readonly updateId: string;
  readonly executionArn: string;
  /** `redrive`: the same execution continues; `new-execution`: a fresh one whose checkpoints skip finished work. */
  readonly how: 'redrive' | 'new-execution';
  /** Why that way, in words for the operator. */
  readonly reason: string;
}

/** Executions that ended outside the workflow's own failure path: a redrive re-runs exactly the interrupted state. */
const INTERRUPTED = new Set(['ABORTED', 'TIMED_OUT']);

/**
 * `resume`: continues a failed or stopped update without redoing finished
 * work. RedriveExecution when the execution was interrupted (stop --now,
 * timeout), is still redrivable and still holds the lock. A FAILED execution went through the
 * workflow's failure path (record the outcome, park the lock) and ended in its
 * Fail state, where a redrive would restart; so do executions that cannot be
 * redriven (older than 14 days, definition changed, history too long): those
 * get a new execution under the same update id, and the checkpoints skip what
 * is done.
 */
export async function resumeUpdate(target: Target, request: { updateId: string; skipChecks?: readonly string[] }): Promise<ResumedUpdate> {
  const store = tableOf(target);
  const updates = new UpdateStore(store);
  const record = await updates.require(request.updateId);
  const addedSkips = assertSkippable(record.manifest, request.skipChecks ?? []);
  const execution = await describeRecordedExecution(target, record);
  if (execution?.status === 'RUNNING') {
    throw new UpdateRunningError(record.updateId, `${record.stopRequested ? 'a stop was requested and it stops after the running wave; ' : ''}follow it with \`cluster-update status ${record.updateId} --watch\``);
  }
  if (record.status === 'SUCCEEDED') throw new NothingToResumeError(record.updateId, 'succeeded; there is nothing to resume');

  const lock = await new LockStore(store).assertAvailable({ cluster: record.cluster, updateId: record.updateId });

  // From here on the update is being resumed: a new stop must be asked for again.
  if (record.stopRequested) await updates.requestStop(record.updateId, false);
  if (addedSkips.length > 0) await updates.setSkipChecks(record.updateId, [...new Set([...record.skipChecks, ...addedSkips])]);
  await updates.setStatus(record.updateId, 'RUNNING', record.phase);

  // A redriven execution continues with the fence it held; if the lock changed hands since (unlock --force), its writes would be rejected.
  const stillHoldsLock = lock !== undefined && lock.state !== 'FREE' && lock.owner === execution?.executionArn;
  if (execution && INTERRUPTED.has(execution.status) && execution.redriveStatus === 'REDRIVABLE' && stillHoldsLock) {
    try {
      await target.clients.sfn.send(new RedriveExecutionCommand({ executionArn: execution.executionArn, clientToken: `${record.updateId}-${execution.redriveCount ?? 0}`.slice(0, 64) }));
      return { updateId: record.updateId, executionArn: execution.executionArn, how: 'redrive', reason: `execution ${execution.status.toLowerCase()}; redriven from the interrupted step` };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ExecutionNotRedrivable')) throw error;
      return startAgain(target, record.updateId, record.cluster, `the execution cannot be redriven (${error.message})`);
    }
  }
  const reason = !execution
    ? 'no execution was recorded for it'
    : INTERRUPTED.has(execution.status) && !stillHoldsLock
      ? 'the lock was released since it stopped (unlock --force), so a redrive would write with a stale fence'
      : execution.status === 'FAILED'
      ? 'its execution ended in the workflow\'s failure path, where a redrive would restart at the final Fail state'
      : `its execution is not redrivable (${execution.redriveStatusReason ?? execution.status})`;
  return startAgain(target, record.updateId, record.cluster, reason);
}

async function startAgain(target: Target, updateId: string, cluster: string, reason: string): Promise<ResumedUpdate> {
  // Execution names are unique per state machine for 90 days; the suffix keeps the update id readable in it.
  const name = `${updateId.slice(0, 70)}-r${Date.now().toString(36)}`;
  const started = await target.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify({ updateId, cluster }) }));
  return { updateId, executionArn: started.executionArn!, how: 'new-execution', reason: `new execution: ${reason}; finished steps are skipped by their checkpoints` };
}
