import { ClusterUpdateError } from '../core/errors';
import type { TaskInput, WorkflowContext } from './workflow-context';

/**
 * A task that runs in a Distributed Map child (a wave, a service of a DAG
 * level): when it fails, AWS fails the Map with
 * `States.ExceedToleratedFailureThreshold`, not with this error, so the task
 * stores its verdict on the update record first (fenced, as every task write)
 * for RecordFailure to record. Only the workflow's own verdicts (named
 * ClusterUpdateErrors, never retried) are stored; an SDK error may be retried
 * and succeed, so it is not why the update failed. A write that fails (the run
 * lost the lock, DynamoDB refused) leaves the error as it is: it still ends the
 * child, only RecordFailure then records the generic error.
 */
export async function storeVerdict(context: WorkflowContext, input: TaskInput, error: unknown): Promise<void> {
  if (!(error instanceof ClusterUpdateError)) return;
  try {
    await context.updates.recordFailureReason(input.updateId, { error: error.name, cause: error.message, fence: input.fence });
  } catch {
    // Deliberately ignored: see above.
  }
}

/** The task, storing its verdict (see storeVerdict) before the error it throws ends its child execution. */
export function storingVerdict<I extends TaskInput, O>(task: (context: WorkflowContext, input: I) => Promise<O>): (context: WorkflowContext, input: I) => Promise<O> {
  return async (context, input) => {
    try {
      return await task(context, input);
    } catch (error) {
      await storeVerdict(context, input, error);
      throw error;
    }
  };
}
