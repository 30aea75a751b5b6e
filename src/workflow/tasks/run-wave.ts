import type { NodeClaim } from '../../aws/store/node-slots';
import type { Manifest } from '../../core/manifest/schema';
import type { Plan } from '../../core/plan/types';
import { loadUpdate } from '../load-update';
import { nodeClaim } from '../node-claim';
import { canaryStepDurations } from '../expected-duration';
import { runStepOnNodes } from '../run-step-on-nodes';
import { storingVerdict } from '../store-verdict';
import { drainCommand, nodeHealthCommand, platformCommand, rejoinCommand, type StepCommand } from '../step-scripts';
import { TooManyFailedNodesError } from '../workflow-errors';
import { guardOf, type TaskInput, type WorkflowContext } from '../workflow-context';

export interface RunWaveInput extends TaskInput {
  readonly wave: number;
}

/**
 * One platform wave: each node is claimed (node mutex + an outage slot for
 * every service it hosts, all or nothing), drained, given every platform step
 * in order, rejoined, and then every service on it is health-checked; only a
 * node that passed all of that gives its claim back. A node that fails any of
 * it stays out: its claim is marked failed and keeps counting against every
 * service's budget (so the next wave cannot take another replica of the same
 * service below minHealthy) until a resume repairs it. Nodes that cannot be
 * claimed yet (a service update holds them, or a service is at its outage
 * budget) are taken on the next poll and start at once, next to the nodes
 * already under way; nodes that cannot be claimed in this run
 * at all (held out by a failure) are recorded SKIPPED with the reason.
 * Unhealthy nodes are skipped and recorded. A graceful stop is honoured
 * before a wave starts.
 */
export const runWave = storingVerdict(runWaveOnce);

async function runWaveOnce(context: WorkflowContext, input: RunWaveInput): Promise<{ done: boolean; stopped: boolean }> {
  const deadline = Date.now() + context.settings.pollBudgetMs;
  const guard = guardOf(input);
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
    if (!existing) await context.checkpoints.skip(key(node, 'node'), guard, { reason: `${node} was unhealthy when the update was planned` });
  }
  const claim = (node: string): NodeClaim =>
    nodeClaim(input, context.settings, node, `wave#${input.wave}`, hostedServices(plan, node).map((name) => ({ name, budget: plan.outageBudget[name]! })));
  const steps: { name: string; command: StepCommand }[] = [
    { name: 'drain', command: drainCommand(record.manifest) },
    ...record.manifest.platform.map((p) => ({ name: `platform-${p.name}`, command: platformCommand(record.manifest, p.name) })),
    { name: 'rejoin', command: rejoinCommand(record.manifest) },
  ];

  // A node is settled in this run once its `node` checkpoint says so (SUCCEEDED, or FAILED / SKIPPED with this fence).
  const settled = async (node: string) => {
    const c = await context.checkpoints.get(key(node, 'node'));
    return c?.status === 'SUCCEEDED' || ((c?.status === 'FAILED' || c?.status === 'SKIPPED') && c.fence === guard.fence);
  };
  let remaining: string[] = [];
  for (const node of nodes) if (!unhealthy.includes(node) && !(await settled(node))) remaining.push(node);

  // The canary ran the same steps under the same names: how long they took there is where a poll is aimed.
  const expectedOnCanary = canaryStepDurations(context, input.updateId, plan.canary);

  // One node's (or one claim round's nodes') way through the wave: steps in order, then health; only a node
  // that passed everything gives its claim back. Nodes claimed in the same round share each step's command.
  const takeOut = async (claimed: readonly string[]): Promise<{ pending: boolean }> => {
    let active: readonly string[] = claimed;
    const failures = new Map<string, string>();
    const keep = (outcome: { succeeded: readonly string[]; failed: readonly { node: string; error: string }[] }) => {
      for (const f of outcome.failed) failures.set(f.node, f.error);
      active = active.filter((n) => outcome.succeeded.includes(n));
    };
    for (const step of steps) {
      if (active.length === 0) break;
      const expectedMs = await expectedOnCanary(step.name);
      const outcome = await runStepOnNodes(context, input, { nodes: active, keyFor: (n) => key(n, step.name), command: step.command, release: record.release, previous: record.previous, expectedMs }, deadline);
      if (outcome.pending.length > 0) return { pending: true };
      keep(outcome);
    }
    // Health after the rejoin, every service on the node in one step: a platform step that broke a service is this node's failure.
    const checked = await Promise.all(
      active.map(async (node) => {
        const services = hostedServices(plan, node).map((name) => serviceOf(record.manifest, name));
        if (services.length === 0) return { succeeded: [node], failed: [], pending: [] };
        return runStepOnNodes(context, input, { nodes: [node], keyFor: (n) => key(n, 'health'), command: nodeHealthCommand(services, { expectRelease: false }), release: record.release, previous: record.previous }, deadline);
      }),
    );
    if (checked.some((c) => c.pending.length > 0)) return { pending: true };
    keep({ succeeded: checked.flatMap((c) => c.succeeded), failed: checked.flatMap((c) => c.failed) });
    for (const node of claimed) {
      const error = failures.get(node);
      if (error === undefined) {
        await context.slots.release(claim(node));
        await succeedNode(context, input, key(node, 'node'));
      } else {
        await context.slots.markFailed(claim(node), error);
        await failNode(context, input, key(node, 'node'), error);
      }
    }
    return { pending: false };
  };

  // Nodes are claimed as they become free (a service update or a full outage slot may hold one): each round's
  // newly claimed nodes start at once, next to those already under way, so a wave whose node is busy goes
  // ahead with its free nodes instead of running its nodes one group after another (issue #15).
  const underWay = new Map<number, Promise<{ pending: boolean } | { error: unknown }>>();
  const outcomes: ({ pending: boolean } | { error: unknown })[] = [];
  let rounds = 0;
  let checkedOutcomes = 0;
  let budgetSpent = false;
  while (remaining.length > 0 && Date.now() < deadline && !budgetSpent) {
    const claimed: string[] = [];
    for (const node of remaining) {
      const result = await context.slots.tryClaim(claim(node));
      if (result.granted) claimed.push(node);
      else if (result.blockedByFailure) {
        await context.checkpoints.skip(key(node, 'node'), guard, { reason: `not taken out in this run: ${result.blockedByFailure}` });
        remaining = remaining.filter((n) => n !== node);
      }
    }
    remaining = remaining.filter((n) => !claimed.includes(n));
    if (claimed.length > 0) {
      const id = rounds++;
      underWay.set(id, takeOut(claimed).then(
        (outcome) => outcome,
        (error: unknown) => ({ error }),
      ).then((outcome) => (underWay.delete(id), outcomes.push(outcome), outcome)));
    }
    if (remaining.length === 0) break;
    // Wait for a poll interval or for a group to finish (it frees nodes and may spend the failure budget).
    await Promise.race([...underWay.values(), new Promise((r) => setTimeout(r, context.settings.pollIntervalMs))]);
    // No new node is taken out once the failure budget is spent (checked whenever a group has finished since the
    // last look); those under way finish first, then the check below throws with every failed node named.
    if (outcomes.length > checkedOutcomes) {
      checkedOutcomes = outcomes.length;
      budgetSpent = await assertFailureBudget(context, input, record.manifest.policy.maxFailedNodes).then(() => false, () => true);
    }
  }
  await Promise.all(underWay.values());
  const error = outcomes.find((o): o is { error: unknown } => 'error' in o);
  if (error) throw error.error;
  await assertFailureBudget(context, input, record.manifest.policy.maxFailedNodes);
  const pending = outcomes.some((o) => 'pending' in o && o.pending);
  return { done: remaining.length === 0 && !pending, stopped: false };
}

function hostedServices(plan: Plan, node: string): string[] {
  return Object.entries(plan.placement).filter(([, on]) => on.includes(node)).map(([name]) => name);
}

function serviceOf(manifest: Manifest, name: string) {
  return manifest.services.find((s) => s.name === name)!;
}

type WaveKey = { updateId: string; phase: 'wave'; target: string; step: string };

/** The node passed everything (on a resume, after a failure of an earlier run). */
async function succeedNode(context: WorkflowContext, input: TaskInput, key: WaveKey): Promise<void> {
  const current = await context.checkpoints.get(key);
  if (current?.status === 'SUCCEEDED') return;
  if (current?.status === 'FAILED' || current?.status === 'SKIPPED') await context.checkpoints.begin(key, guardOf(input));
  await context.checkpoints.succeed(key, guardOf(input));
}

async function failNode(context: WorkflowContext, input: TaskInput, key: WaveKey, error: string): Promise<void> {
  const current = await context.checkpoints.get(key);
  if (current?.status === 'FAILED' && current.fence === input.fence) return;
  await context.checkpoints.begin(key, guardOf(input));
  await context.checkpoints.fail(key, guardOf(input), { error });
}

async function assertFailureBudget(context: WorkflowContext, input: TaskInput, maxFailedNodes: number): Promise<void> {
  const failedCheckpoints = (await context.checkpoints.query(input.updateId, { phase: 'wave' })).filter((c) => c.status === 'FAILED');
  const failed = [...new Set(failedCheckpoints.map((c) => c.target))];
  if (failed.length <= maxFailedNodes) return;
  // The `node` checkpoint carries the error of the step that failed it.
  const nodeErrors = Object.fromEntries(failedCheckpoints.filter((c) => c.step === 'node' && c.error).map((c) => [c.target, c.error!]));
  throw new TooManyFailedNodesError(failed.sort(), maxFailedNodes, nodeErrors);
}
