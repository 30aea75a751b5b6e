import { Logger } from '@aws-lambda-powertools/logger';
import { taskPhase } from '../src/workflow/task-phase';
import { workflowContext, type StepObserver, type WorkflowContext } from '../src/workflow/workflow-context';
import { publishTaskMetrics } from './publish-task-metrics';
import type { TaskOutcome } from '../src/workflow/task-metrics';

/** One logger per function; every line carries the task, update id, cluster and phase, and a node's own lines its `node`. */
export const logger = new Logger({ serviceName: 'cluster-update' });

/** Every command sent and every node's step outcome is one log line carrying that `node`. */
const NODE_STEP_LOG: StepObserver = {
  commandSent: (event) => logger.info('command sent', { ...event }),
  stepEnded: (event) => (event.status === 'FAILED' ? logger.warn('step failed on node', { ...event }) : logger.info('step succeeded on node', { ...event })),
};

/**
 * Wraps a workflow activity as a Lambda handler: builds the context once per
 * container, tags logs, publishes the invocation's metrics (once, at the end),
 * and lets errors through unchanged — their `name` is the error Step Functions
 * sees (Retry/Catch match on it).
 */
export function taskHandler<I extends object, O>(task: string, activity: (context: WorkflowContext, input: I) => Promise<O>): (event: I) => Promise<O> {
  return async (event: I) => {
    const { updateId, cluster, service, wave, cursor, level, hookPhase } = event as Record<string, string | number | undefined>;
    // `service` and `level` are Powertools' own keys, hence the longer names.
    logger.resetKeys(); // a warm container's previous invocation must not lend this one its keys
    logger.appendKeys({ task, updateId, cluster, phase: taskPhase(task, { hookPhase }), updatedService: service, wave, canaryCursor: cursor, dagLevel: level });
    let outcome: TaskOutcome | undefined;
    try {
      const output = await activity({ ...workflowContext(), observer: NODE_STEP_LOG }, event);
      outcome = { ok: true, output };
      logger.info('task done', { output: output as Record<string, unknown> });
      return output;
    } catch (error) {
      outcome = { ok: false, errorName: error instanceof Error ? error.name : 'Error' };
      logger.error('task failed', error as Error);
      throw error;
    } finally {
      if (outcome) await publish(task, outcome, updateId, cluster);
    }
  };
}

/** Metrics never fail a task: a problem publishing them is logged and the task's own result stands. */
async function publish(task: string, outcome: TaskOutcome, updateId: string | number | undefined, cluster: string | number | undefined): Promise<void> {
  try {
    await publishTaskMetrics({
      task,
      outcome,
      updateId: updateId === undefined ? undefined : String(updateId),
      cluster: cluster === undefined ? undefined : String(cluster),
      loadCheckpoints: (id) => workflowContext().checkpoints.query(id),
    });
  } catch (error) {
    logger.warn('metrics not published', error as Error);
  }
}
