/** What a property test draws for a random cluster's shape (fast-check records of these fields). */
export interface ClusterSeeds {
  readonly serviceCount: number;
  readonly nodeCount: number;
  /** Pairs of indexes; an edge only goes from an earlier service to a later one, so there is never a cycle. */
  readonly seedEdges: readonly (readonly [number, number])[];
  /** Per node, indexes of the services it hosts. */
  readonly placementSeed: readonly (readonly number[])[];
  readonly unhealthy: readonly boolean[];
  readonly oneOff: readonly boolean[];
}

export interface RandomCluster {
  readonly names: readonly string[];
  /** Per service (by index), the names of the services it depends on. */
  readonly deps: readonly Set<string>[];
  readonly oneOff: readonly boolean[];
  readonly nodes: { id: string; services: string[]; healthy: boolean }[];
}

/**
 * A random cluster from drawn seeds: services `s0…`, a DAG, one-offs (every third service at most), a placement
 * in which every long-running service is hosted somewhere, and unhealthy nodes (never the first). Shared by the
 * planner's and the scheduler's property tests so both draw clusters the same way.
 */
export function randomCluster(r: ClusterSeeds): RandomCluster {
  const names = Array.from({ length: r.serviceCount }, (_, i) => `s${i}`);
  const deps = names.map(() => new Set<string>());
  for (const [a, b] of r.seedEdges) {
    const from = a % r.serviceCount;
    const to = b % r.serviceCount;
    if (from < to) deps[to]!.add(names[from]!);
  }
  const oneOff = names.map((_, i) => r.oneOff[i]! && i % 3 === 0);
  const nodes = Array.from({ length: r.nodeCount }, (_, n) => ({
    id: `n${String(n).padStart(2, '0')}`,
    services: [...new Set(r.placementSeed[n]!.map((k) => k % r.serviceCount))].filter((i) => !oneOff[i]).map((i) => names[i]!),
    healthy: n === 0 ? true : !r.unhealthy[n],
  }));
  names.forEach((name, i) => {
    if (!oneOff[i] && !nodes.some((node) => node.services.includes(name))) nodes[i % r.nodeCount]!.services.push(name);
  });
  return { names, deps, oneOff, nodes };
}
