import { summarize } from '../../core/workflow/service-levels';
import { loadUpdate } from '../load-update';
import { serviceStates } from '../service-states';
import { UpdatePartiallyFailedError, UpdateStoppedError } from '../workflow-errors';
import type { TaskInput, WorkflowContext } from '../workflow-context';

/**
 * The end: every service UPDATED → the update SUCCEEDED and the lock is
 * released. Otherwise the update is FAILED (or STOPPED) and the execution
 * fails with a cause listing failed and skipped services; its Catch goes to
 * RecordFailure, the one place the workflow parks the lock (nobody starts over
 * a half-updated cluster), so `resume` can finish the job.
 */
export async function finalize(context: WorkflowContext, input: TaskInput): Promise<{ updated: number }> {
  const { record, plan } = await loadUpdate(context, input.updateId);
  const states = serviceStates(plan.serviceOrder.flat(), await context.checkpoints.query(input.updateId, { phase: 'service' }));
  const summary = summarize(states);
  const waveNodesDone = new Set((await context.checkpoints.query(input.updateId, { phase: 'wave' })).filter((c) => c.step === 'rejoin' && c.status === 'SUCCEEDED').map((c) => c.target));
  const wavesComplete = plan.waves.flat().every((n) => waveNodesDone.has(n) || plan.unhealthyNodes.includes(n));
  if (record.stopRequested && (summary.pending.length > 0 || !wavesComplete)) {
    await context.updates.setStatus(input.updateId, 'STOPPED', 'rollout');
    throw new UpdateStoppedError(input.updateId);
  }
  if (summary.cause || !wavesComplete) {
    const cause = summary.cause || 'some platform waves did not complete';
    await context.updates.setStatus(input.updateId, 'FAILED', 'finalize', cause);
    throw new UpdatePartiallyFailedError(cause);
  }
  await context.updates.setStatus(input.updateId, 'SUCCEEDED', 'done');
  await context.locks.release(input);
  return { updated: summary.updated.length };
}
