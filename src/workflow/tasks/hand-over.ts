import { describeAgents } from '../../aws/inventory/ssm-inventory';
import { loadUpdate } from '../load-update';
import type { TaskInput, WorkflowContext } from '../workflow-context';

/**
 * The canary passed: the update record names it as owner with its validated
 * agent release, and the fence advances, so any write still in flight from
 * before the hand-over is rejected.
 */
export async function handOver(context: WorkflowContext, input: TaskInput): Promise<{ owner: string; fence: number; agentRelease: string }> {
  const { plan } = await loadUpdate(context, input.updateId);
  const [agent] = await describeAgents(context.clients.ssm, input.cluster, [plan.canary]);
  const fence = await context.locks.advanceFence(input);
  const agentRelease = agent?.agentVersion ?? 'unknown';
  await context.updates.setOwner(input.updateId, { node: plan.canary, agentRelease, fence });
  await context.updates.setStatus(input.updateId, 'RUNNING', 'rollout');
  return { owner: input.owner, fence, agentRelease };
}
