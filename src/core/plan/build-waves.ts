import type { InventoryNode } from '../inventory/schema';

/** How many of the most recent waves a node may join; bounds the work per node. */
const OPEN_WAVE_WINDOW = 64;

interface OpenWave {
  readonly nodes: string[];
  readonly out: Map<string, number>;
}

/**
 * Packs nodes into platform waves, first-fit over the most recent open waves:
 * a wave holds at most `maxInFlight` nodes, and for every service at most its
 * outage budget of HEALTHY replicas (an unhealthy node is already out and
 * takes no budget, only a place in the wave). Nodes keep inventory order
 * where they can. O(nodes × window × services per node).
 */
export function buildWaves(nodes: readonly InventoryNode[], maxInFlight: number, budgets: Readonly<Record<string, number>>): string[][] {
  const waves: OpenWave[] = [];
  for (const node of nodes) {
    const takesOut = node.healthy ? [...new Set(node.services)].filter((s) => budgets[s] !== undefined) : [];
    const fits = (wave: OpenWave): boolean => wave.nodes.length < maxInFlight && takesOut.every((s) => (wave.out.get(s) ?? 0) < budgets[s]!);
    let target: OpenWave | undefined;
    for (let w = Math.max(0, waves.length - OPEN_WAVE_WINDOW); w < waves.length; w += 1) {
      if (fits(waves[w]!)) {
        target = waves[w]!;
        break;
      }
    }
    if (!target) {
      target = { nodes: [], out: new Map() };
      waves.push(target);
    }
    target.nodes.push(node.id);
    for (const service of takesOut) target.out.set(service, (target.out.get(service) ?? 0) + 1);
  }
  return waves.map((w) => w.nodes);
}

/** The fewest waves any plan could have: node count over maxInFlight, and each service's healthy replicas over its budget. */
export function waveLowerBound(nodes: readonly InventoryNode[], maxInFlight: number, budgets: Readonly<Record<string, number>>): number {
  const healthyReplicas = new Map<string, number>();
  for (const node of nodes) {
    if (!node.healthy) continue;
    for (const s of new Set(node.services)) healthyReplicas.set(s, (healthyReplicas.get(s) ?? 0) + 1);
  }
  let bound = Math.ceil(nodes.length / maxInFlight);
  for (const [service, count] of healthyReplicas) {
    const budget = budgets[service];
    if (budget) bound = Math.max(bound, Math.ceil(count / budget));
  }
  return bound;
}
