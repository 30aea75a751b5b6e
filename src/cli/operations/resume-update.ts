import { RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateStore, type UpdateRecord } from '../../aws/store/update-store';
import { tableOf, type Target } from '../target';
import { NothingToResumeError, UpdateRunningError } from './operation-errors';
import { mapRunInFlight } from './map-run-in-flight';
import { describeRecordedExecution, type RecordedExecution } from './read-update';
import { assertSkippable } from './skip-checks';
import { locksOf } from './target-locks';

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
 * timeout), is still redrivable, still holds the lock and had no Map Run in
 * flight: an execution of the definition before the rollout became one task ran
 * its platform waves as Distributed Map children, which a redrive would replay
 * with the stopped run's identity (mapRunInFlight says why). A FAILED execution went through the
 * workflow's failure path (record the outcome, park the lock) and ended in its
 * Fail state, where a redrive would restart; so do executions that cannot be
 * redriven (older than 14 days, definition changed, history too long): those
 * get a new execution under the same update id, and the checkpoints skip what
 * is done.
 *
 * Two resumes at once start one execution: before either starts or redrives
 * anything, it claims the update record with a write conditioned on the
 * record as it read it (UpdateStore.claimForResume); the loser is refused
 * (exit 2) naming the winner's execution.
 */
export async function resumeUpdate(target: Target, request: { updateId: string; skipChecks?: readonly string[] }): Promise<ResumedUpdate> {
  const store = tableOf(target);
  const updates = new UpdateStore(store);
  const record = await updates.require(request.updateId);
  const addedSkips = assertSkippable(record.manifest, request.skipChecks ?? []);
  const execution = await recordedExecution(target, record);
  if (execution?.status === 'RUNNING') {
    throw new UpdateRunningError(record.updateId, `${record.stopRequested ? 'a stop was requested and it stops after the running wave; ' : ''}execution ${execution.executionArn} runs it; follow it with \`cluster-update status ${record.updateId} --watch\``);
  }
  if (record.status === 'SUCCEEDED') throw new NothingToResumeError(record.updateId, 'succeeded; there is nothing to resume');

  const lock = await locksOf(target).assertAvailable({ cluster: record.cluster, updateId: record.updateId });
  const skipChecks = [...new Set([...record.skipChecks, ...addedSkips])];

  // A redriven execution continues as the lock's owner; if the lock changed hands since (unlock --force), its writes would be rejected.
  const stillHoldsLock = lock !== undefined && lock.state !== 'FREE' && lock.owner === execution?.executionArn;
  const interrupted = execution !== undefined && INTERRUPTED.has(execution.status);
  const mapRunOpen = interrupted && execution.redriveStatus === 'REDRIVABLE' && stillHoldsLock && (await mapRunInFlight(target.clients.sfn, execution.executionArn));
  if (execution && interrupted && execution.redriveStatus === 'REDRIVABLE' && stillHoldsLock && !mapRunOpen) {
    await updates.claimForResume(record, { executionArn: execution.executionArn, skipChecks });
    try {
      await target.clients.sfn.send(new RedriveExecutionCommand({ executionArn: execution.executionArn, clientToken: `${record.updateId}-${execution.redriveCount ?? 0}`.slice(0, 64) }));
      return { updateId: record.updateId, executionArn: execution.executionArn, how: 'redrive', reason: `execution ${execution.status.toLowerCase()}; redriven from the interrupted step` };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ExecutionNotRedrivable')) throw error;
      const name = newExecutionName(record.updateId);
      await updates.setExecutionArn(record.updateId, executionArnOf(target, name));
      return startAgain(target, record, name, `the execution cannot be redriven (${error.message})`);
    }
  }
  const reason = !execution
    ? 'no execution was recorded for it'
    : mapRunOpen
      ? 'it stopped with a Map Run in flight (a definition from before the rollout became one task), whose child execution a redrive would replay with the stopped run\'s identity (fenced out)'
    : INTERRUPTED.has(execution.status) && !stillHoldsLock
      ? 'the lock was released since it stopped (unlock --force), so a redrive would write with a stale fence'
      : execution.status === 'FAILED'
      ? 'its execution ended in the workflow\'s failure path, where a redrive would restart at the final Fail state'
      : `its execution is not redrivable (${execution.redriveStatusReason ?? execution.status})`;
  const name = newExecutionName(record.updateId);
  await updates.claimForResume(record, { executionArn: executionArnOf(target, name), skipChecks });
  return startAgain(target, record, name, reason);
}

/** The execution the record names; one claimed by a concurrent resume but not started yet counts as RUNNING. */
async function recordedExecution(target: Target, record: UpdateRecord): Promise<RecordedExecution | undefined> {
  try {
    return await describeRecordedExecution(target, record);
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist' && record.status === 'RUNNING') return { executionArn: record.executionArn!, status: 'RUNNING' };
    throw error;
  }
}

/** Execution names are unique per state machine for 90 days; the suffix keeps the update id readable in it. */
function newExecutionName(updateId: string): string {
  return `${updateId.slice(0, 70)}-r${Date.now().toString(36)}`;
}

/** The ARN StartExecution gives an execution of that name (known before it starts, so the record can be claimed for it). */
function executionArnOf(target: Target, name: string): string {
  return `${target.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

async function startAgain(target: Target, record: UpdateRecord, name: string, reason: string): Promise<ResumedUpdate> {
  const started = await target.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify({ updateId: record.updateId, cluster: record.cluster }) }));
  return { updateId: record.updateId, executionArn: started.executionArn!, how: 'new-execution', reason: `new execution: ${reason}; finished steps are skipped by their checkpoints` };
}
