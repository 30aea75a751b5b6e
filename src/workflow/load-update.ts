import type { UpdateRecord } from '../aws/store/update-store';
import { ClusterUpdateError } from '../core/errors';
import type { Plan } from '../core/plan/types';
import type { WorkflowContext } from './workflow-context';

/** A task ran before the Plan task persisted the plan (a definition bug). */
export class PlanMissingError extends ClusterUpdateError {
  public constructor(updateId: string) {
    super(`update ${updateId} has no persisted plan`);
    this.name = 'PlanMissingError';
  }
}

/** The update record and its persisted plan, as every task after Plan needs them. */
export async function loadUpdate(context: WorkflowContext, updateId: string): Promise<{ record: UpdateRecord; plan: Plan }> {
  const [record, plan] = await Promise.all([context.updates.require(updateId), context.plans.load(updateId)]);
  if (!plan) throw new PlanMissingError(updateId);
  return { record, plan };
}

/** Nodes that were healthy at plan time: hooks run on them; unhealthy ones are out already. */
export function healthyNodes(plan: Plan): string[] {
  const unhealthy = new Set(plan.unhealthyNodes);
  return [plan.canary, ...plan.waves.flat()].filter((n) => !unhealthy.has(n));
}
