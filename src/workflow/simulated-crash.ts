import type { CheckpointKey, CheckpointStore } from '../aws/store/checkpoint-store';
import { ClusterUpdateError } from '../core/errors';
import { faultPointFires } from './local-fault-point';

/**
 * Where a task can crash in the local runtime (a fault point of kind `task-crash`), each between two side
 * effects whose order the idempotency argument depends on:
 *   before-send        a batch's checkpoints begun, its SendCommand not sent
 *   after-send         SendCommand sent, its command id not yet in the checkpoint (the rerun sends again:
 *                      the node's step runner runs it once)
 *   between-batches    one batch of ≤ 50 sent and stored, the next not sent
 *   before-checkpoint  right before any checkpoint write of the task (point ends with the write: `…:succeed`)
 *   after-checkpoint   right after it
 *   handover-before-transaction / handover-after-transaction
 *                      the hand-over's reads done, its one transaction not written / written, answer not returned
 * Full names: `<where>:<phase>:<target>:<step>[:<write>]`, `handover-…:handover:<canary>`.
 */
export const TASK_CRASH_POINTS = ['before-send', 'after-send', 'between-batches', 'before-checkpoint', 'after-checkpoint', 'handover-before-transaction', 'handover-after-transaction'] as const;
export type TaskCrashPoint = (typeof TASK_CRASH_POINTS)[number];

/**
 * A crash injected on purpose by the local runtime: the task's process dies where it stands. Named as Step
 * Functions names a Lambda invocation that ended with no answer of the function's own (a runtime exit, an
 * out-of-memory kill): `Lambda.Unknown` — "Unhandled errors in Lambda are reported as Lambda.Unknown […] These
 * include out-of-memory errors" (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
 * so the state's Retry handles it as it would on AWS.
 */
export class SimulatedCrashError extends ClusterUpdateError {
  public readonly point: string;
  public constructor(point: string) {
    super(`Runtime exited without providing a reason: simulated crash at ${point}`);
    this.name = 'Lambda.Unknown';
    this.point = point;
  }
}

/** Dies at `<where>:<at>` when the local runtime arms that point (see TASK_CRASH_POINTS); never on AWS. */
export function crashAt(where: TaskCrashPoint, at: string, env: NodeJS.ProcessEnv = process.env): void {
  const point = `${where}:${at}`;
  if (faultPointFires('task-crash', point, env)) throw new SimulatedCrashError(point);
}

/** `<phase>:<target>:<step>` of a checkpoint, as crash points name it. */
export function checkpointPoint(key: CheckpointKey): string {
  return `${key.phase}:${key.target}:${key.step}`;
}

/** crashAt for a step on many nodes: dies at the first of their points that is armed. */
export function crashAtAny(where: TaskCrashPoint, keys: readonly CheckpointKey[], env: NodeJS.ProcessEnv = process.env): void {
  for (const key of keys) crashAt(where, checkpointPoint(key), env);
}

const CHECKPOINT_WRITES = { begin: 'begin', attachCommand: 'attach-command', recordProgress: 'record-progress', succeed: 'succeed', fail: 'fail', skip: 'skip' } as const;

/**
 * The task's checkpoint store with the crash points `before-checkpoint` / `after-checkpoint` around every
 * single-checkpoint write (the task handler hands every task this one, so no write is left out). Off the local
 * runtime the points never fire and each write is the store's own.
 */
export function withCheckpointCrashPoints(store: CheckpointStore, env: NodeJS.ProcessEnv = process.env): CheckpointStore {
  if (env.CLUSTER_UPDATE_LOCAL !== '1') return store;
  const wrapped = Object.create(store) as CheckpointStore;
  for (const [method, write] of Object.entries(CHECKPOINT_WRITES) as [keyof typeof CHECKPOINT_WRITES, string][]) {
    const original = (store[method] as (key: CheckpointKey, ...rest: unknown[]) => Promise<unknown>).bind(store);
    Object.defineProperty(wrapped, method, {
      value: async (key: CheckpointKey, ...rest: unknown[]) => {
        crashAt('before-checkpoint', `${checkpointPoint(key)}:${write}`, env);
        const written = await original(key, ...rest);
        crashAt('after-checkpoint', `${checkpointPoint(key)}:${write}`, env);
        return written;
      },
    });
  }
  return wrapped;
}
