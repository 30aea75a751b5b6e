import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CommandRunner } from '../../aws/commands/command-runner';
import { CheckpointStore } from '../../aws/store/checkpoint-store';
import { LockStore } from '../../aws/store/lock-store';
import { LockHeldError } from '../../aws/store/store-errors';
import { UpdateStore } from '../../aws/store/update-store';
import { tableOf, type Target } from '../target';
import { NotRunningError } from './operation-errors';
import { describeRecordedExecution } from './read-update';

export interface StopResult {
  readonly updateId: string;
  readonly mode: 'graceful' | 'now';
  /** With `now`: the in-flight Run Command ids cancelled. */
  readonly cancelledCommands: readonly string[];
}

/**
 * `stop`: asks the workflow to stop at the next wave or level boundary (it
 * finishes what runs, parks the lock and ends STOPPED; resumable).
 * `stop --now`: StopExecution, then CancelCommand for every command still in
 * flight. Checkpoints stay as they were (RUNNING with their command id), so a
 * resume sends the cancelled steps again; the lock is parked, so nobody starts
 * another update over the half-updated cluster.
 */
export async function stopUpdate(target: Target, request: { updateId: string; now?: boolean }): Promise<StopResult> {
  const store = tableOf(target);
  const updates = new UpdateStore(store);
  const record = await updates.require(request.updateId);
  const execution = await describeRecordedExecution(target, record);
  if (execution?.status !== 'RUNNING') throw new NotRunningError(record.updateId, execution?.status ?? record.status);
  if (!request.now) {
    await updates.requestStop(record.updateId);
    return { updateId: record.updateId, mode: 'graceful', cancelledCommands: [] };
  }

  await target.clients.sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, error: 'UpdateStopped', cause: 'stopped by the operator (stop --now)' }));
  const running = (await new CheckpointStore(store).query(record.updateId)).filter((c) => c.status === 'RUNNING' && c.commandId);
  const commandIds = [...new Set(running.map((c) => c.commandId!))];
  // Cancelling a finished invocation changes nothing, so every command a RUNNING checkpoint names is cancelled.
  await new CommandRunner({ ssm: target.clients.ssm, documentName: target.documentName }).cancel(commandIds);

  const locks = new LockStore(store);
  const lock = await locks.get(record.cluster);
  if (lock && lock.state === 'ACTIVE' && lock.updateId === record.updateId) {
    try {
      await locks.park({ cluster: record.cluster, owner: lock.owner, fence: lock.fence });
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error; // it changed hands meanwhile: leave it
    }
  }
  await updates.setStatus(record.updateId, 'STOPPED', record.phase, 'UpdateStopped: stopped by the operator (stop --now)');
  return { updateId: record.updateId, mode: 'now', cancelledCommands: commandIds };
}
