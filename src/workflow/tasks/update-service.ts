import type { NodeClaim } from '../../aws/store/node-slots';
import { canaryStepName } from '../../core/workflow/canary-steps';
import { canaryStepDurations } from '../expected-duration';
import { loadUpdate } from '../load-update';
import { nodeClaim } from '../node-claim';
import { runStepOnNodes } from '../run-step-on-nodes';
import { nodeHealthCommand, serviceCommand } from '../step-scripts';
import { storingVerdict } from '../store-verdict';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface UpdateServiceInput extends TaskInput {
  readonly service: string;
}

/**
 * Updates one service. A one-off runs once on its node (a no-op when the canary
 * already ran it). A long-running service is updated replica by replica, at
 * most its outage budget at a time, each replica claimed with the node mutex
 * and an outage slot (so platform waves and service updates together never
 * take more replicas out than allowed), then health-checked before its claim
 * is given back. A replica that fails stays out (its claim marked failed,
 * still counted against the budget) until a resume repairs it. A failure is
 * recorded and returned, never thrown: the Map goes on with the other
 * services, and the next level skips this one's dependents. Each service runs
 * in a child execution of the level's Distributed Map; an error it does throw
 * (the run lost the lock, an update that cannot be loaded) fails the Map Run,
 * so its verdict is stored first (storeVerdict), as a wave's.
 */
export const updateService = storingVerdict(updateServiceOnce);

async function updateServiceOnce(context: WorkflowContext, input: UpdateServiceInput): Promise<{ done: boolean; failed: boolean }> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const guard = guardOf(input);
  const { record, plan } = await loadUpdate(context, input.updateId);
  const service = record.manifest.services.find((s) => s.name === input.service)!;
  const serviceKey = { updateId: input.updateId, phase: 'service' as const, target: service.name, step: 'service' };
  if ((await context.checkpoints.begin(serviceKey, guard)).status === 'SUCCEEDED') return { done: true, failed: false };

  const canaryDone = async (step: string) => (await context.checkpoints.get({ updateId: input.updateId, phase: 'canary', target: plan.canary, step }))?.status === 'SUCCEEDED';
  const replicaKey = (step: string) => (node: string) => ({ updateId: input.updateId, phase: 'service' as const, target: service.name, step: `${step}-${node}` });
  const fail = async (error: string) => {
    await context.checkpoints.fail(serviceKey, guard, { error });
    return { done: true, failed: true };
  };

  if (service.oneOff) {
    if (!(await canaryDone(canaryStepName({ kind: 'service', service: service.name, oneOff: true })))) {
      const node = plan.oneOffNodes[service.name]!;
      const outcome = await runStepOnNodes(context, input, { nodes: [node], keyFor: replicaKey('run'), command: serviceCommand(service), release: record.release, previous: record.previous }, deadline);
      if (outcome.failed.length > 0) return fail(outcome.failed[0]!.error);
      if (outcome.pending.length > 0) return { done: false, failed: false };
    }
    await context.checkpoints.succeed(serviceKey, guard);
    return { done: true, failed: false };
  }

  // The canary's replica is done when the canary updated it and it then passed its check while serving (the last
  // canary step of the service). The check alone is not enough: a redrive that re-acquired the lock continues the
  // canary past an update that failed under the old fence, and the old release answers the check (chaos seed 32).
  const skipCanary =
    (await canaryDone(canaryStepName({ kind: 'service', service: service.name, oneOff: false }))) &&
    (await canaryDone(canaryStepName({ kind: 'serving-health', service: service.name })));
  const replicas = (plan.placement[service.name] ?? []).filter((n) => !plan.unhealthyNodes.includes(n) && !(skipCanary && n === plan.canary));
  const budget = Math.max(1, plan.outageBudget[service.name] ?? 1);
  const holder = `service#${service.name}`;
  const claim = (node: string): NodeClaim => nodeClaim(input, context.settings, node, holder, [{ name: service.name, budget }]);
  const replicaDone = async (node: string) => (await context.checkpoints.get(replicaKey('health')(node)))?.status === 'SUCCEEDED';

  // What this service holds, read from the slot items: a replica that passed its check but whose claim was
  // never given back (the task was retried in between) is given back now.
  for (const [node, entry] of (await context.slots.held(input.updateId, [service.name])).get(service.name) ?? []) {
    if (entry.holder === holder && !entry.failed && (await replicaDone(node))) await context.slots.release(claim(node));
  }
  let remaining: string[] = [];
  for (const node of replicas) if (!(await replicaDone(node))) remaining.push(node);
  const blocked: string[] = [];
  // How long this service's update took on the canary, read once for every claim round: a poll is aimed there.
  const expectedOnCanary = canaryStepDurations(context, input.updateId, plan.canary);

  while (remaining.length > 0 && Date.now() < deadline) {
    const claimed: string[] = [];
    for (const node of remaining) {
      if (claimed.length >= budget) break;
      const result = await context.slots.tryClaim(claim(node));
      if (result.granted) claimed.push(node);
      else if (result.blockedByFailure) {
        blocked.push(result.blockedByFailure);
        remaining = remaining.filter((n) => n !== node);
      }
    }
    if (claimed.length > 0) {
      const expectedMs = await expectedOnCanary(canaryStepName({ kind: 'service', service: service.name, oneOff: false }));
      const updated = await runStepOnNodes(context, input, { nodes: claimed, keyFor: replicaKey('update'), command: serviceCommand(service), release: record.release, previous: record.previous, expectedMs }, deadline);
      if (updated.pending.length > 0) return { done: false, failed: false };
      // Every service on the node, not only this one, before the claim is given back: an update that broke a
      // neighbour (a shared library, a port) is this replica's failure. One step per node (their services differ).
      const checked = await Promise.all(
        updated.succeeded.map((node) => {
          const onNode = Object.entries(plan.placement).filter(([name, on]) => on.includes(node) && record.manifest.services.some((s) => s.name === name && !s.oneOff)).map(([name]) => record.manifest.services.find((s) => s.name === name)!);
          return runStepOnNodes(context, input, { nodes: [node], keyFor: replicaKey('health'), command: { ...nodeHealthCommand(onNode, { expectRelease: false, releaseOf: service.name }), step: service.name }, release: record.release, previous: record.previous }, deadline);
        }),
      );
      if (checked.some((c) => c.pending.length > 0)) return { done: false, failed: false };
      const failures = [...updated.failed, ...checked.flatMap((c) => c.failed)];
      // A replica that failed stays out (its slot held and marked) until a resume repairs it; the others are given back.
      for (const node of claimed) {
        const failure = failures.find((f) => f.node === node);
        if (failure) await context.slots.markFailed(claim(node), failure.error);
        else await context.slots.release(claim(node));
      }
      if (failures.length > 0) return fail(failures.map((f) => f.error).join('; '));
      remaining = remaining.filter((n) => !claimed.includes(n));
    } else if (remaining.length > 0) {
      await new Promise((r) => setTimeout(r, context.settings.pollIntervalMs));
    }
  }
  if (remaining.length > 0) return { done: false, failed: false };
  if (blocked.length > 0) return fail(`some replicas cannot be taken out in this run: ${blocked.join('; ')}`);
  await context.checkpoints.succeed(serviceKey, guard);
  return { done: true, failed: false };
}
