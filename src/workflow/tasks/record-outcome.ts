import { LockHeldError } from '../../aws/store/store-errors';
import type { WorkflowContext } from '../workflow-context';

export interface RecordOutcomeInput {
  readonly updateId: string;
  readonly cluster: string;
  /** Absent when the update never got the lock. */
  readonly owner?: string;
  readonly fence?: number;
  /** The Step Functions error name and cause that ended the update. */
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The failure path: records why the update ended and parks the lock, so the
 * cluster stays reserved for `resume`. An update that never got the lock
 * (another update holds it) leaves that lock alone.
 */
export async function recordOutcome(context: WorkflowContext, input: RecordOutcomeInput): Promise<{ error: string; cause: string }> {
  const error = input.error ?? 'UpdateFailed';
  const message = parseCause(input.cause ?? '');
  const outcome = error === 'UpdateStopped' ? 'STOPPED' : 'FAILED';
  if (input.owner !== undefined && input.fence !== undefined) {
    try {
      await context.locks.park({ cluster: input.cluster, owner: input.owner, fence: input.fence });
    } catch (failure) {
      if (!(failure instanceof LockHeldError)) throw failure;
    }
  }
  const record = await context.updates.get(input.updateId);
  if (record) await context.updates.setStatus(input.updateId, outcome, record.phase, `${error}: ${message}`);
  return { error, cause: message };
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
