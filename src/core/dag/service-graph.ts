import { DependencyCycleError } from '../errors';

/**
 * The service dependency graph. An edge `a → b` means "b dependsOn a": b's
 * update starts after a's finished. All functions are O(V + E).
 */
export interface ServiceGraph {
  /** Service names in manifest order. */
  readonly names: readonly string[];
  /** name → what it depends on (its parents). */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
  /** name → what depends on it (its children). */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

export function buildServiceGraph(services: readonly { name: string; dependsOn?: readonly string[] }[]): ServiceGraph {
  const names = services.map((s) => s.name);
  const known = new Set(names);
  const dependencies = new Map<string, string[]>();
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const service of services) {
    const parents = [...new Set(service.dependsOn ?? [])].filter((d) => known.has(d));
    dependencies.set(service.name, parents);
    for (const parent of parents) dependents.get(parent)!.push(service.name);
  }
  return { names, dependencies, dependents };
}

/**
 * A dependency cycle as a path that starts and ends with the same service,
 * e.g. `['a', 'b', 'c', 'a']` for a → b → c → a (a dependsOn b, …); the path
 * starts at the cycle's smallest name so the message is deterministic.
 */
export function findCycle(graph: ServiceGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of [...graph.names].sort()) {
    if (state.has(start)) continue;
    // Iterative DFS along dependsOn edges; `stack` is the current path.
    const stack: { name: string; next: number; children: readonly string[] }[] = [];
    const push = (name: string): void => {
      state.set(name, 'open');
      stack.push({ name, next: 0, children: [...(graph.dependencies.get(name) ?? [])].sort() });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next >= top.children.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const child = top.children[top.next++]!;
      const seen = state.get(child);
      if (seen === 'open') {
        const path = stack.slice(stack.findIndex((f) => f.name === child)).map((f) => f.name);
        return rotateToSmallest(path);
      }
      if (seen === undefined) push(child);
    }
  }
  return undefined;
}

function rotateToSmallest(cycle: string[]): string[] {
  let at = 0;
  cycle.forEach((name, i) => {
    if (name < cycle[at]!) at = i;
  });
  const rotated = [...cycle.slice(at), ...cycle.slice(0, at)];
  return [...rotated, rotated[0]!];
}

/**
 * Topological levels: level 0 has no dependencies; a service sits one level
 * below its deepest dependency. Names are sorted within a level.
 * @throws DependencyCycleError when the graph has a cycle
 */
export function topologicalLevels(graph: ServiceGraph): string[][] {
  const remaining = new Map(graph.names.map((n) => [n, graph.dependencies.get(n)?.length ?? 0]));
  let current = graph.names.filter((n) => remaining.get(n) === 0);
  const levels: string[][] = [];
  let placed = 0;
  while (current.length > 0) {
    levels.push([...current].sort());
    placed += current.length;
    const next: string[] = [];
    for (const name of current) {
      for (const child of graph.dependents.get(name) ?? []) {
        const left = remaining.get(child)! - 1;
        remaining.set(child, left);
        if (left === 0) next.push(child);
      }
    }
    current = next;
  }
  if (placed < graph.names.length) throw new DependencyCycleError(findCycle(graph) ?? []);
  return levels;
}

/** Everything that transitively depends on `name`: the subgraph skipped when it fails. */
export function descendants(graph: ServiceGraph, name: string): Set<string> {
  return reach(name, graph.dependents);
}

/** Everything `name` transitively depends on. */
export function ancestors(graph: ServiceGraph, name: string): Set<string> {
  return reach(name, graph.dependencies);
}

/** Levels in reverse, for rollback: dependents are undone before what they depend on. */
export function reverseLevels(graph: ServiceGraph): string[][] {
  return topologicalLevels(graph).reverse();
}

function reach(start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set<string>();
  const queue = [...(edges.get(start) ?? [])];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (found.has(name)) continue;
    found.add(name);
    queue.push(...(edges.get(name) ?? []));
  }
  return found;
}
