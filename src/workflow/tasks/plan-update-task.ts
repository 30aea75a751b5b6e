import { readSsmInventory } from '../../aws/inventory/ssm-inventory';
import { planUpdate } from '../../core/plan/plan-update';
import type { Plan } from '../../core/plan/types';
import { canarySteps } from '../../core/workflow/canary-steps';
import { HookNotSkippableError } from '../workflow-errors';
import type { TaskInput, WorkflowContext } from '../workflow-context';

export interface PlanSummary {
  readonly canary: string;
  readonly planHash: string;
  readonly waveIndexes: readonly number[];
  readonly levelCount: number;
  readonly canaryStepCount: number;
}

/**
 * Plans once: the inventory comes from SSM (node tags, agent state), the plan
 * is persisted, and every rerun reuses the stored plan, so a resumed update
 * walks the same canary, waves and levels. Only small numbers go back into
 * the execution's state (payloads stay small at 10,000 nodes).
 */
export async function planUpdateTask(context: WorkflowContext, input: TaskInput): Promise<PlanSummary> {
  const record = await context.updates.require(input.updateId);
  const hooks = [...record.manifest.hooks.preUpdate, ...record.manifest.hooks.postUpdate];
  for (const name of record.skipChecks) {
    const hook = hooks.find((h) => h.name === name);
    if (hook && !hook.skippable) throw new HookNotSkippableError(name);
  }
  let plan: Plan | undefined = await context.plans.load(input.updateId);
  if (!plan) {
    const inventory = await readSsmInventory(context.clients, input.cluster);
    plan = await context.plans.save(input.updateId, planUpdate(record.manifest, inventory));
  }
  await context.updates.setPlanHash(input.updateId, plan.planHash);
  await context.updates.setStatus(input.updateId, 'RUNNING', 'pre-hooks');
  return {
    canary: plan.canary,
    planHash: plan.planHash,
    waveIndexes: plan.waves.map((_, i) => i),
    levelCount: plan.serviceOrder.length,
    canaryStepCount: canarySteps(record.manifest, plan).length,
  };
}
