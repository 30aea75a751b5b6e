import { LockHeldError } from '../../aws/store/store-errors';
import type { WorkflowContext } from '../workflow-context';

export interface RecordOutcomeInput {
  readonly updateId: string;
  readonly cluster: string;
  /** Absent when the update never got the lock. */
  readonly owner?: string;
  readonly fence?: number;
  /** RecordRejected: the execution AcquireLock refused. */
  readonly executionArn?: string;
  /** The Step Functions error name and cause that ended the update. */
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The failure path: records why the update ended and parks the lock (which
 * advances the fence), so the cluster stays reserved for `resume` and nothing
 * this run still has in flight lands. Its writes are fenced by the task
 * handler: a run that lost the lock records nothing. An execution that never
 * got the lock records its refusal only while the update record still names
 * it (or no execution), never over the holder's.
 */
export async function recordOutcome(context: WorkflowContext, input: RecordOutcomeInput): Promise<{ error: string; cause: string }> {
  const received = input.error ?? 'UpdateFailed';
  const receivedCause = parseCause(input.cause ?? '');
  if (input.owner === undefined || input.fence === undefined) {
    if (input.executionArn) await context.updates.setStatusOfExecution(input.updateId, input.executionArn, outcomeOf(received), `${received}: ${receivedCause}`);
    return { error: received, cause: receivedCause };
  }
  const record = await context.updates.get(input.updateId);
  const error = received;
  const message = receivedCause;
  const outcome = outcomeOf(error);
  // The record first (fenced by the fence we hold), then the park moves the fence on.
  if (record) await context.updates.setStatus(input.updateId, outcome, record.phase, `${error}: ${message}`);
  try {
    await context.locks.park({ cluster: input.cluster, owner: input.owner, fence: input.fence });
  } catch (failure) {
    if (!(failure instanceof LockHeldError)) throw failure;
  }
  return { error, cause: message };
}

function outcomeOf(error: string): 'STOPPED' | 'FAILED' {
  return error === 'UpdateStopped' ? 'STOPPED' : 'FAILED';
}

/** Lambda errors reach Catch as a JSON cause `{ errorType, errorMessage, … }`; locally as the message itself. */
function parseCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}
