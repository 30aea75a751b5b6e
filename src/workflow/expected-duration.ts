import { firstPauseFor } from '../aws/commands/poll-schedule';
import type { CheckpointKey } from '../aws/store/checkpoint-store';
import type { WorkflowContext } from './workflow-context';

/**
 * How long a step is expected to take on a node, from the same step on the canary (its checkpoint, begun right
 * before the send and ended when a poll saw the command done): undefined when the canary has not run it. The
 * checkpoint's span exceeds the step by the canary's own send and detection time, so the aim is one first pause
 * earlier; a poll that comes early costs one call, and the backoff starts again right after it.
 */
export async function expectedDuration(context: WorkflowContext, canaryKey: CheckpointKey): Promise<number | undefined> {
  const record = await context.checkpoints.get(canaryKey);
  if (record?.status !== 'SUCCEEDED' || !record.startedAt || !record.endedAt) return undefined;
  const span = Date.parse(record.endedAt) - Date.parse(record.startedAt);
  if (!Number.isFinite(span) || span <= 0) return undefined;
  return Math.max(1, span - firstPauseFor(context.settings.pollIntervalMs));
}

/**
 * expectedDuration of each canary step, read once per task invocation: the canary is done before the rollout,
 * so its checkpoints do not change while a wave or a service update polls, and every claim round and every
 * group of a wave would otherwise read the same item again.
 */
export function canaryStepDurations(context: WorkflowContext, updateId: string, canary: string): (step: string) => Promise<number | undefined> {
  const read = new Map<string, Promise<number | undefined>>();
  return (step) => {
    let duration = read.get(step);
    if (!duration) read.set(step, (duration = expectedDuration(context, { updateId, phase: 'canary', target: canary, step })));
    return duration;
  };
}
