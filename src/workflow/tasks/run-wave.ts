import { loadUpdate } from '../load-update';
import { runStepOnNodes } from '../run-step-on-nodes';
import { drainCommand, platformCommand, rejoinCommand, type StepCommand } from '../step-scripts';
import { TooManyFailedNodesError } from '../workflow-errors';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface RunWaveInput extends TaskInput {
  readonly wave: number;
}

/**
 * One platform wave: each node is claimed (node mutex + an outage slot for
 * every service it hosts, all or nothing), drained, given every platform step
 * in order, and rejoined. Nodes that cannot be claimed yet (a service update
 * holds them, or a service is at its outage budget) are taken on the next
 * poll. Unhealthy nodes are skipped and recorded. A graceful stop is honoured
 * before a wave starts.
 */
export async function runWave(context: WorkflowContext, input: RunWaveInput): Promise<{ done: boolean; stopped: boolean }> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const { record, plan } = await loadUpdate(context, input.updateId);
  const nodes = plan.waves[input.wave] ?? [];
  const key = (node: string, step: string) => ({ updateId: input.updateId, phase: 'wave' as const, target: node, step });
  // A stop takes effect between waves: a wave that has begun on any node is finished first.
  const started = (await Promise.all(nodes.map((n) => context.checkpoints.get(key(n, 'drain'))))).some(Boolean);
  if (!started && record.stopRequested) return { done: true, stopped: true };
  // A wave that has not begun never starts once the failure budget is spent, even if the Map would still run it.
  if (!started) await assertFailureBudget(context, input, record.manifest.policy.maxFailedNodes);

  const unhealthy = nodes.filter((n) => plan.unhealthyNodes.includes(n));
  for (const node of unhealthy) {
    const existing = await context.checkpoints.get(key(node, 'node'));
    if (!existing) await context.checkpoints.skip(key(node, 'node'), guardOf(input), { reason: `${node} was unhealthy when the update was planned` });
  }
  const hosted = new Map(nodes.map((n) => [n, Object.entries(plan.placement).filter(([, on]) => on.includes(n)).map(([name]) => ({ name, budget: plan.outageBudget[name]! }))]));
  const claim = (node: string) => ({ cluster: input.cluster, updateId: input.updateId, node, holder: `wave#${input.wave}`, services: hosted.get(node)! });

  const steps: { name: string; command: StepCommand }[] = [
    { name: 'drain', command: drainCommand(context.settings) },
    ...record.manifest.platform.map((p) => ({ name: `platform-${p.name}`, command: platformCommand(record.manifest, p.name) })),
    { name: 'rejoin', command: rejoinCommand(context.settings) },
  ];
  let remaining = nodes.filter((n) => !unhealthy.includes(n));
  while (remaining.length > 0 && Date.now() < deadline) {
    const claimed: string[] = [];
    for (const node of remaining) if (await context.slots.tryClaim(claim(node))) claimed.push(node);
    let active = claimed;
    for (const step of steps) {
      if (active.length === 0) break;
      const outcome = await runStepOnNodes(context, input, { nodes: active, keyFor: (n) => key(n, step.name), command: step.command, release: record.release, previous: record.previous }, deadline);
      if (outcome.pending.length > 0) return { done: false, stopped: false };
      active = active.filter((n) => outcome.succeeded.includes(n));
    }
    for (const node of claimed) await context.slots.release(claim(node));
    remaining = remaining.filter((n) => !claimed.includes(n));
    await assertFailureBudget(context, input, record.manifest.policy.maxFailedNodes);
    if (remaining.length > 0) await new Promise((r) => setTimeout(r, context.settings.pollIntervalMs));
  }
  await context.locks.renew({ ...input, leaseSeconds: context.settings.leaseSeconds });
  return { done: remaining.length === 0, stopped: false };
}

async function assertFailureBudget(context: WorkflowContext, input: TaskInput, maxFailedNodes: number): Promise<void> {
  const failed = [...new Set((await context.checkpoints.query(input.updateId, { phase: 'wave' })).filter((c) => c.status === 'FAILED').map((c) => c.target))];
  if (failed.length > maxFailedNodes) throw new TooManyFailedNodesError(failed.sort(), maxFailedNodes);
}
