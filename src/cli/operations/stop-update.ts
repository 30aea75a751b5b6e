import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { ListCommandsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { CommandRunner } from '../../aws/commands/command-runner';
import { CheckpointStore } from '../../aws/store/checkpoint-store';
import { LockHeldError } from '../../aws/store/store-errors';
import { UpdateStore } from '../../aws/store/update-store';
import { tableOf, type Target } from '../target';
import { NotRunningError } from './operation-errors';
import { describeRecordedExecution } from './read-update';
import { locksOf } from './target-locks';

export interface StopResult {
  readonly updateId: string;
  readonly mode: 'graceful' | 'now';
  /** With `now`: the in-flight Run Command ids cancelled. */
  readonly cancelledCommands: readonly string[];
}

/**
 * `stop`: asks the workflow to stop at the next wave or level boundary (it
 * finishes what runs, parks the lock and ends STOPPED; resumable).
 * `stop --now`: StopExecution, park the lock, then CancelCommand for every
 * command still in flight. StopExecution does not stop Lambda invocations
 * already running (on AWS as here): parking advances the fence, so from then
 * on none of their checkpoint or record writes lands and none of their
 * SendCommands passes the fence check the task handler makes right before it.
 * The cancel comes after the park, so it also catches a command sent just
 * before it (found by its comment, which starts with the update id, even when
 * its checkpoint write was already fenced out). Checkpoints stay as they were
 * (RUNNING), so a resume sends the cancelled steps again; the lock stays
 * parked, so nobody starts another update over the half-updated cluster.
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

  const locks = locksOf(target);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const lock = await locks.get(record.cluster);
    if (!lock || lock.state !== 'ACTIVE' || lock.owner !== execution.executionArn) break;
    try {
      await locks.park({ cluster: record.cluster, owner: lock.owner, fence: lock.fence });
      break;
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error; // a hand-over moved the fence meanwhile: read it again
    }
  }

  const running = (await new CheckpointStore(store).query(record.updateId)).filter((c) => c.status === 'RUNNING' && c.commandId);
  const inFlight = await inFlightCommandsOf(target.clients.ssm, target.documentName, record.updateId, new Date(record.createdAt));
  const commandIds = [...new Set([...running.map((c) => c.commandId!), ...inFlight])];
  // Cancelling a finished invocation changes nothing, so every command a RUNNING checkpoint names is cancelled.
  await new CommandRunner({ ssm: target.clients.ssm, documentName: target.documentName }).cancel(commandIds);
  await updates.setStatus(record.updateId, 'STOPPED', record.phase, 'UpdateStopped: stopped by the operator (stop --now)');
  return { updateId: record.updateId, mode: 'now', cancelledCommands: commandIds };
}

/** Commands of this update still pending or in progress: the step runner's, sent since the update was created, whose comment starts with its id. */
async function inFlightCommandsOf(ssm: SSMClient, documentName: string, updateId: string, since: Date): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new ListCommandsCommand({ Filters: [{ key: 'DocumentName', value: documentName }, { key: 'InvokedAfter', value: since.toISOString() }], NextToken: nextToken, MaxResults: 50 }),
    );
    for (const command of page.Commands ?? []) {
      const pending = command.Status === 'Pending' || command.Status === 'InProgress';
      if (pending && command.DocumentName === documentName && command.Comment?.startsWith(`${updateId} `)) ids.push(command.CommandId!);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}
