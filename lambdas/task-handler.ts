import { Logger } from '@aws-lambda-powertools/logger';
import { workflowContext, type WorkflowContext } from '../src/workflow/workflow-context';

/** One logger per function; every line carries the task and the update id. */
export const logger = new Logger({ serviceName: 'cluster-update' });

/**
 * Wraps a workflow activity as a Lambda handler: builds the context once per
 * container, tags logs, and lets errors through unchanged — their `name` is
 * the error Step Functions sees (Retry/Catch match on it).
 */
export function taskHandler<I extends object, O>(task: string, activity: (context: WorkflowContext, input: I) => Promise<O>): (event: I) => Promise<O> {
  return async (event: I) => {
    const { updateId, service, wave, cursor, level } = event as Record<string, string | number | undefined>;
    // `service` and `level` are Powertools' own keys, hence the longer names.
    logger.appendKeys({ task, updateId, updatedService: service, wave, canaryCursor: cursor, dagLevel: level });
    try {
      const output = await activity(workflowContext(), event);
      logger.info('task done', { output: output as Record<string, unknown> });
      return output;
    } catch (error) {
      logger.error('task failed', error as Error);
      throw error;
    }
  };
}
