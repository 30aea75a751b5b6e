import { buildServiceGraph, type ServiceGraph } from '../dag/service-graph';
import type { Manifest } from '../manifest/schema';
import type { StepDurations } from '../plan/makespan-bound';
import type { Plan } from '../plan/types';

/**
 * What the scheduler needs from (manifest, plan), computed once per update: who hosts what, the budgets, and
 * the priority weights. Pure; O(nodes × services per node + services + edges).
 */
export interface RolloutModel {
  readonly plan: Plan;
  readonly graph: ServiceGraph;
  /** Every service in topological order (the plan's levels, flattened): a dependency comes before its dependents. */
  readonly order: readonly string[];
  readonly oneOffs: ReadonlySet<string>;
  /** Long-running service → its replicas on healthy nodes (the ones an update takes out), in inventory order. */
  readonly replicas: ReadonlyMap<string, readonly string[]>;
  /** Healthy node → the long-running services it hosts, in topological order. */
  readonly hosted: ReadonlyMap<string, readonly string[]>;
  /** The nodes that get a platform outage in the rollout: every healthy node but the canary, in wave order. */
  readonly platformNodes: readonly string[];
  /** Node → its place in `platformNodes` (the canary and others after): the last tie-break, for determinism. */
  readonly nodeRank: ReadonlyMap<string, number>;
  readonly weights: PriorityWeights;
}

/** Seconds the priority rule weighs work with (see next-claims.ts); they only order work, never gate it. */
export interface PriorityWeights {
  /** One platform outage without carried updates: drain + Σ platform + rejoin + health. */
  readonly outage: number;
  /** Service → one replica's update + check, or a one-off's run. */
  readonly work: ReadonlyMap<string, number>;
  /**
   * Service → the longest chain of work that must follow it: max over its dependents d of
   * (⌈replicas of d / budget of d⌉ × work(d) + chain(d)). Static: the critical path below the service.
   */
  readonly chain: ReadonlyMap<string, number>;
}

/** The priority weights when no durations are known: every step takes one unit. */
export const UNIT_STEP_DURATIONS = 'unit' as const;

export function rolloutModel(manifest: Manifest, plan: Plan, durations: StepDurations | typeof UNIT_STEP_DURATIONS = UNIT_STEP_DURATIONS): RolloutModel {
  const graph = buildServiceGraph(manifest.services);
  const order = plan.serviceOrder.flat();
  const oneOffs = new Set(manifest.services.filter((s) => s.oneOff).map((s) => s.name));
  const unhealthy = new Set(plan.unhealthyNodes);
  const replicas = new Map<string, string[]>();
  const hosted = new Map<string, string[]>();
  for (const name of order) {
    if (oneOffs.has(name)) continue;
    const nodes = (plan.placement[name] ?? []).filter((n) => !unhealthy.has(n));
    replicas.set(name, nodes);
    for (const node of nodes) hosted.set(node, [...(hosted.get(node) ?? []), name]);
  }
  const platformNodes = plan.waves.flat().filter((n) => !unhealthy.has(n) && n !== plan.canary);
  const nodeRank = new Map<string, number>(platformNodes.map((n, i) => [n, i]));
  nodeRank.set(plan.canary, platformNodes.length);
  return { plan, graph, order, oneOffs, replicas, hosted, platformNodes, nodeRank, weights: priorityWeights(manifest, plan, graph, order, oneOffs, replicas, durations) };
}

function priorityWeights(
  manifest: Manifest,
  plan: Plan,
  graph: ServiceGraph,
  order: readonly string[],
  oneOffs: ReadonlySet<string>,
  replicas: ReadonlyMap<string, readonly string[]>,
  durations: StepDurations | typeof UNIT_STEP_DURATIONS,
): PriorityWeights {
  const unit = durations === UNIT_STEP_DURATIONS;
  const of = (table: Readonly<Record<string, number>> | undefined, name: string) => (unit ? 1 : (table?.[name] ?? 0));
  const single = (seconds: number | undefined) => (unit ? 1 : (seconds ?? 0));
  const d = unit ? {} : durations;
  const outage = single(d.drain) + manifest.platform.reduce((sum, p) => sum + of(d.platform, p.name), 0) + single(d.rejoin) + single(d.health);
  const work = new Map<string, number>();
  for (const name of order) work.set(name, of(d.service, name) + (oneOffs.has(name) ? 0 : single(d.health)));
  const rounds = (name: string) => (oneOffs.has(name) ? 1 : Math.ceil((replicas.get(name)?.length ?? 0) / Math.max(1, plan.outageBudget[name] ?? 1)));
  const chain = new Map<string, number>();
  for (const name of [...order].reverse()) {
    let longest = 0;
    for (const child of graph.dependents.get(name) ?? []) longest = Math.max(longest, rounds(child) * work.get(child)! + chain.get(child)!);
    chain.set(name, longest);
  }
  return { outage, work, chain };
}
