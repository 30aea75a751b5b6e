import { Logger } from '@aws-lambda-powertools/logger';
import { LockHeldError } from '../src/aws/store/store-errors';
import { withCheckpointCrashPoints } from '../src/workflow/simulated-crash';
import { loseResponse } from '../src/workflow/simulated-lost-response';
import { outlastFunctionTimeout } from '../src/workflow/simulated-timeout';
import { taskPhase } from '../src/workflow/task-phase';
import { fencedContext, workflowContext, type StepObserver, type TaskInput, type WorkflowContext } from '../src/workflow/workflow-context';
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
 * Wraps a workflow activity as a Lambda handler — the one middleware every
 * task goes through: builds the context once per container, tags logs, takes
 * the lock's part (below), publishes the invocation's metrics (once, at the
 * end), and lets errors through unchanged — their `name` is the error Step
 * Functions sees (Retry/Catch match on it).
 *
 * The lock, for every invocation after AcquireLock (its input names an owner):
 *   start   LockStore.enter: renew the lease (owner + fence, only while ACTIVE)
 *           and resolve the fence this invocation writes with; a newer run of
 *           the execution (a redrive: `redriveCount`) re-acquires a parked lock;
 *           a stopped or superseded run is FencedOutError before it does anything
 *   running a heartbeat renews every lease/3, so no step, however long, outlives the lease
 *   writes  update record, plan and checkpoints are conditioned on (owner, fence)
 *   sends   right before every SendCommand the lock is read again (consistently);
 *           after the hand-over every command uses the pinned document version
 * Tasks never renew or check the lock themselves.
 */
export function taskHandler<I extends object, O>(task: string, activity: (context: WorkflowContext, input: I) => Promise<O>): (event: I, lambdaContext?: LambdaContext) => Promise<O> {
  return async (event: I, lambdaContext?: LambdaContext) => {
    const { updateId, cluster, cursor, hookPhase } = event as Record<string, string | number | undefined>;
    logger.resetKeys(); // a warm container's previous invocation must not lend this one its keys
    logger.appendKeys({ task, updateId, cluster, phase: taskPhase(task, { hookPhase }), canaryCursor: cursor });
    let outcome: TaskOutcome | undefined;
    let held: HeldLock | undefined;
    try {
      held = await holdLock(task, workflowContext(), event);
      await outlastFunctionTimeout(task, lambdaContext?.getRemainingTimeInMillis?.bind(lambdaContext));
      const output = await activity({ ...held.context, checkpoints: withCheckpointCrashPoints(held.context.checkpoints), observer: NODE_STEP_LOG }, held.input as I);
      loseResponse(task);
      outcome = { ok: true, output };
      logger.info('task done', { output: output as Record<string, unknown> });
      return output;
    } catch (error) {
      outcome = { ok: false, errorName: error instanceof Error ? error.name : 'Error' };
      logger.error('task failed', error as Error);
      throw error;
    } finally {
      held?.release();
      if (outcome) await publish(task, outcome, updateId, cluster);
    }
  };
}

/** The part of the Lambda context object a task uses. */
interface LambdaContext {
  getRemainingTimeInMillis?(): number;
}

interface HeldLock {
  readonly context: WorkflowContext;
  /** The task's input with the fence the invocation resolved. */
  readonly input: object;
  /** Stops the heartbeat. */
  release(): void;
}

/** AcquireLock takes the lock itself; RecordRejected (its failure path) never held it. */
function holdsNoLock(task: string, input: Partial<TaskInput>): boolean {
  return task === 'acquire-lock' || input.owner === undefined || input.fence === undefined;
}

async function holdLock(task: string, base: WorkflowContext, event: object): Promise<HeldLock> {
  const input = event as Partial<TaskInput>;
  if (holdsNoLock(task, input)) return { context: base, input: event, release: () => undefined };
  const leaseSeconds = base.settings.leaseSeconds;
  const { fence } = await base.locks.enter({ cluster: input.cluster!, owner: input.owner!, fence: Number(input.fence), generation: Number(input.redriveCount ?? 0), leaseSeconds });
  const guard = { cluster: input.cluster!, owner: input.owner!, fence };
  let lost: unknown;
  const heartbeat = setInterval(() => {
    base.locks.renew({ ...guard, leaseSeconds }).catch((error: unknown) => {
      // Only a failed condition means the lock is gone; a transient error (a TransactionConflict with a
      // checkpoint write on the lock item, throttling) just waits for the next beat.
      if (error instanceof LockHeldError) lost ??= error;
      logger.warn(error instanceof LockHeldError ? 'lease not renewed: the lock was lost' : 'lease renewal failed; retrying at the next beat', error as Error);
    });
  }, Math.max(1000, (leaseSeconds * 1000) / 3));
  heartbeat.unref();
  try {
    const record = await base.updates.get(input.updateId!);
    const context = fencedContext(base, guard, {
      documentVersion: record?.owner?.documentVersion,
      beforeSend: async () => {
        if (lost) throw lost;
        await base.locks.verify(guard);
      },
    });
    return { context, input: { ...event, fence }, release: () => clearInterval(heartbeat) };
  } catch (error) {
    clearInterval(heartbeat);
    throw error;
  }
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
