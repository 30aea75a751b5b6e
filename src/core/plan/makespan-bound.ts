import type { Manifest } from '../manifest/schema';
import { canarySteps } from '../workflow/canary-steps';
import type { Plan } from './types';

/**
 * How long each kind of step takes on a node, in seconds (a step missing here takes 0 s). Durations are the
 * node's own work, independent of the control plane: what a benchmark's `sleep N` commands take.
 */
export interface StepDurations {
  /** Platform step name → seconds on one node. */
  readonly platform?: Readonly<Record<string, number>>;
  /** Service name → seconds of one replica's `update`, or of a one-off's `run`. */
  readonly service?: Readonly<Record<string, number>>;
  /** Pre-update hook name → seconds on one node. */
  readonly preHooks?: Readonly<Record<string, number>>;
  /** Post-update hook name → seconds on one node. */
  readonly postHooks?: Readonly<Record<string, number>>;
  readonly drain?: number;
  readonly rejoin?: number;
  /** One health-check step (a service on the canary, or every service on a node after a rejoin or a replica update). */
  readonly health?: number;
}

/** A phase's share of the bound: the seconds of node work on its critical path and how many steps that path has. */
export interface PhaseBound {
  readonly seconds: number;
  readonly steps: number;
}

export interface MakespanBound {
  readonly preHooks: PhaseBound;
  readonly canary: PhaseBound;
  /** The two branches of the rollout; the rollout's bound is the longer one. */
  readonly waves: PhaseBound;
  readonly serviceLevels: PhaseBound;
  readonly rollout: PhaseBound & { readonly criticalBranch: 'waves' | 'service-levels' };
  readonly postHooks: PhaseBound;
  /** preHooks + canary + rollout + postHooks. */
  readonly total: PhaseBound;
}

/**
 * The shortest time an update of this plan can take under the workflow's own rules, when only the nodes' step
 * durations cost time (every control-plane action — Lambda invocations, SSM polling, DynamoDB writes, Wait
 * states — is free):
 *
 *   bound = preHooks + canary + max(waves, serviceLevels) + postHooks
 *
 *   preHooks     = Σ pre-hooks                    hook after hook, each on every healthy node at once
 *   canary       = drain + Σ platform + Σ over the canary's services in DAG order (one-off: run;
 *                  long-running: update + health) + rejoin + canaryWatchSeconds + health per service (serving)
 *   waves        = |plan.waves| × (drain + Σ platform + rejoin + health)      one wave at a time (Map, concurrency 1)
 *   serviceLevels= Σ over plan.serviceOrder levels of max over its services of
 *                    one-off: run (0 when the canary already ran it)
 *                    long-running: ⌈replicas left / budget⌉ × (update + health)
 *                  where replicas left = healthy replicas not on the canary (the canary's is done) and
 *                  budget = plan.outageBudget (at least 1): rounds of at most `budget` replicas out at once,
 *                  which is what minHealthy allows; a level of more than `serviceConcurrency` services takes
 *                  at least Σ/serviceConcurrency.
 *   postHooks    = Σ post-hooks
 *
 * What it assumes (so it is a lower bound, not a prediction): the two rollout branches overlap perfectly
 * (a wave holding a node never delays a replica update there, nor the reverse, though the node mutex and the
 * outage slots make them wait for each other); every replica round of a level starts the moment the previous
 * round ends; levels follow one another without a gap; every step takes exactly its duration. The workflow
 * runs a level only when the whole previous level is done (not as soon as a service's own dependencies are),
 * and the bound follows that rule: it bounds this workflow, not any schedule of the same steps.
 */
export function makespanBound(manifest: Manifest, plan: Plan, durations: StepDurations, options: { serviceConcurrency?: number } = {}): MakespanBound {
  const of = (table: Readonly<Record<string, number>> | undefined, name: string) => table?.[name] ?? 0;
  const platform = manifest.platform.reduce((sum, p) => sum + of(durations.platform, p.name), 0);
  const drain = durations.drain ?? 0;
  const rejoin = durations.rejoin ?? 0;
  const health = durations.health ?? 0;
  const hooks = (list: readonly { name: string }[], table: Readonly<Record<string, number>> | undefined): PhaseBound => ({
    seconds: list.reduce((sum, h) => sum + of(table, h.name), 0),
    steps: list.length,
  });

  const steps = canarySteps(manifest, plan);
  const canarySeconds = steps.reduce((sum, step) => {
    switch (step.kind) {
      case 'drain':
        return sum + drain;
      case 'platform':
        return sum + of(durations.platform, step.step);
      case 'service':
        return sum + of(durations.service, step.service);
      case 'health':
      case 'serving-health':
        return sum + health;
      case 'rejoin':
        return sum + rejoin;
      case 'watch':
        return sum + step.seconds;
    }
  }, 0);
  const ranOnCanary = new Set(steps.flatMap((s) => (s.kind === 'service' ? [s.service] : [])));

  const waveSteps = 1 + manifest.platform.length + 2; // drain, platform…, rejoin, health
  const waves: PhaseBound = { seconds: plan.waves.length * (drain + platform + rejoin + health), steps: plan.waves.length * waveSteps };

  const concurrency = Math.max(1, options.serviceConcurrency ?? Number.POSITIVE_INFINITY);
  let levelSeconds = 0;
  let levelSteps = 0;
  for (const level of plan.serviceOrder) {
    const times = level.map((name) => {
      const service = manifest.services.find((s) => s.name === name)!;
      if (service.oneOff) return ranOnCanary.has(name) ? { seconds: 0, steps: 0 } : { seconds: of(durations.service, name), steps: 1 };
      const left = (plan.placement[name] ?? []).filter((n) => !plan.unhealthyNodes.includes(n) && !(ranOnCanary.has(name) && n === plan.canary)).length;
      const rounds = Math.ceil(left / Math.max(1, plan.outageBudget[name] ?? 1));
      return { seconds: rounds * (of(durations.service, name) + health), steps: rounds * 2 };
    });
    const longest = times.reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, steps: 0 });
    const total = times.reduce((sum, t) => sum + t.seconds, 0);
    levelSeconds += Math.max(longest.seconds, total / concurrency);
    levelSteps += longest.steps;
  }
  const serviceLevels: PhaseBound = { seconds: levelSeconds, steps: levelSteps };
  const rollout = serviceLevels.seconds > waves.seconds ? { ...serviceLevels, criticalBranch: 'service-levels' as const } : { ...waves, criticalBranch: 'waves' as const };

  const preHooks = hooks(manifest.hooks.preUpdate, durations.preHooks);
  const postHooks = hooks(manifest.hooks.postUpdate, durations.postHooks);
  const canary: PhaseBound = { seconds: canarySeconds, steps: steps.length };
  const phases = [preHooks, canary, rollout, postHooks];
  return {
    preHooks,
    canary,
    waves,
    serviceLevels,
    rollout,
    postHooks,
    total: { seconds: phases.reduce((s, p) => s + p.seconds, 0), steps: phases.reduce((s, p) => s + p.steps, 0) },
  };
}

/**
 * What a script that stops everything would take: every healthy node at once, each running all of its steps
 * (pre-hooks, drain, platform, the updates of the services it hosts and the one-offs the plan puts on it,
 * rejoin, one health check, post-hooks) back to back: max over nodes of the sum of its steps. Computed, never
 * run: it holds every service at 0 % availability meanwhile, and ignores the service DAG.
 */
export function stopTheWorldSeconds(manifest: Manifest, plan: Plan, durations: StepDurations): number {
  const of = (table: Readonly<Record<string, number>> | undefined, name: string) => table?.[name] ?? 0;
  const common =
    manifest.hooks.preUpdate.reduce((s, h) => s + of(durations.preHooks, h.name), 0) +
    manifest.hooks.postUpdate.reduce((s, h) => s + of(durations.postHooks, h.name), 0) +
    (durations.drain ?? 0) +
    manifest.platform.reduce((s, p) => s + of(durations.platform, p.name), 0) +
    (durations.rejoin ?? 0) +
    (durations.health ?? 0);
  const nodes = new Set([plan.canary, ...plan.waves.flat()]);
  let longest = 0;
  for (const node of nodes) {
    const services = manifest.services.filter((s) => (s.oneOff ? plan.oneOffNodes[s.name] === node : (plan.placement[s.name] ?? []).includes(node)));
    longest = Math.max(longest, common + services.reduce((sum, s) => sum + of(durations.service, s.name), 0));
  }
  return longest;
}

export interface OutageScheduleBound {
  readonly preHooks: number;
  readonly canary: number;
  /** ⌈platform nodes / maxInFlight⌉ × (drain + Σ platform + rejoin + health): no waves, at most maxInFlight out. */
  readonly platform: number;
  /** The longest dependency chain, each service ⌈replicas left / budget⌉ × (update + health), one-off: run. */
  readonly serviceChain: number;
  /** The service whose budget is busiest: (its platform outages × outage + its replica updates) / budget. */
  readonly busiestBudget: { readonly service: string; readonly seconds: number } | undefined;
  /** max(platform, serviceChain, busiestBudget): the rollout's share. */
  readonly rollout: number;
  readonly postHooks: number;
  readonly total: number;
}

/**
 * A lower bound for the rollout scheduler of src/core/schedule (one scheduler for node outages, no waves, no level
 * barrier), which `makespanBound` is not: that one follows the workflow's rule that a level starts when the
 * whole previous one is done, and a schedule without that rule can beat its service-levels term. Here, with
 * only node work costing time:
 *
 *   bound   = preHooks + canary + max(platform, serviceChain, busiestBudget) + postHooks
 *   platform      = ⌈healthy nodes but the canary / maxInFlight⌉ × outage    at most maxInFlight out, each ≥ outage
 *   serviceChain  = max over dependency paths of Σ ⌈replicas left / budget⌉ × (update + health)   (one-off: run,
 *                   0 when the canary ran it)                                 a service starts after its dependencies
 *   busiestBudget = max over services of (platform nodes hosting it × outage + replicas left × (update + health))
 *                   / budget                                                 each outage holds a replica out
 *
 * Each term holds for any schedule that keeps the budgets, maxInFlight and DAG order, so it is a true lower bound;
 * it ignores that the terms compete for the same nodes and slots, which is why a schedule stays above it.
 */
export function outageScheduleBound(manifest: Manifest, plan: Plan, durations: StepDurations): OutageScheduleBound {
  const of = (table: Readonly<Record<string, number>> | undefined, name: string) => table?.[name] ?? 0;
  const health = durations.health ?? 0;
  const outage = (durations.drain ?? 0) + manifest.platform.reduce((sum, p) => sum + of(durations.platform, p.name), 0) + (durations.rejoin ?? 0) + health;
  const workflow = makespanBound(manifest, plan, durations);
  const unhealthy = new Set(plan.unhealthyNodes);
  const platformNodes = plan.waves.flat().filter((n) => !unhealthy.has(n) && n !== plan.canary);
  const platform = platformNodes.length === 0 ? 0 : Math.ceil(platformNodes.length / Math.max(1, plan.maxInFlight)) * outage;

  const ranOnCanary = new Set(canarySteps(manifest, plan).flatMap((s) => (s.kind === 'service' ? [s.service] : [])));
  const services = new Map(manifest.services.map((s) => [s.name, s]));
  const own = new Map<string, number>();
  let busiestBudget: { service: string; seconds: number } | undefined;
  for (const name of plan.serviceOrder.flat()) {
    const service = services.get(name)!;
    if (service.oneOff) {
      own.set(name, ranOnCanary.has(name) ? 0 : of(durations.service, name));
      continue;
    }
    const healthy = (plan.placement[name] ?? []).filter((n) => !unhealthy.has(n));
    const left = healthy.filter((n) => !(ranOnCanary.has(name) && n === plan.canary)).length;
    const budget = Math.max(1, plan.outageBudget[name] ?? 1);
    const work = of(durations.service, name) + health;
    own.set(name, Math.ceil(left / budget) * work);
    const outages = healthy.filter((n) => n !== plan.canary).length;
    const seconds = (outages * outage + left * work) / budget;
    if (busiestBudget === undefined || seconds > busiestBudget.seconds) busiestBudget = { service: name, seconds };
  }
  const chain = new Map<string, number>();
  for (const name of plan.serviceOrder.flat()) {
    const before = Math.max(0, ...services.get(name)!.dependsOn.map((d) => chain.get(d) ?? 0));
    chain.set(name, before + own.get(name)!);
  }
  const serviceChain = Math.max(0, ...chain.values());
  const rollout = Math.max(platform, serviceChain, busiestBudget?.seconds ?? 0);
  const phases = [workflow.preHooks.seconds, workflow.canary.seconds, rollout, workflow.postHooks.seconds];
  return {
    preHooks: workflow.preHooks.seconds,
    canary: workflow.canary.seconds,
    platform,
    serviceChain,
    busiestBudget,
    rollout,
    postHooks: workflow.postHooks.seconds,
    total: phases.reduce((a, b) => a + b, 0),
  };
}
