import { buildServiceGraph, topologicalLevels } from '../dag/service-graph';
import type { Inventory } from '../inventory/schema';
import type { Manifest } from '../manifest/schema';
import { buildWaves } from './build-waves';
import { chooseCanary } from './choose-canary';
import { resolveMaxInFlight } from './max-in-flight';
import { outageBudgets } from './outage-budget';
import { planHash } from './plan-hash';
import type { Plan } from './types';
import { validatePlacement } from './validate-placement';

/**
 * The plan of one update, from (manifest, inventory) alone: deterministic,
 * no I/O. Throws InputError subclasses (exit 2) when the inputs disagree or
 * no plan can keep every service at or above its minHealthy.
 */
export function planUpdate(manifest: Manifest, inventory: Inventory): Plan {
  validatePlacement(manifest, inventory);
  const graph = buildServiceGraph(manifest.services);
  const serviceOrder = topologicalLevels(graph);
  const outageBudget = outageBudgets(manifest, inventory);
  const canary = chooseCanary(manifest.policy, inventory);
  const maxInFlight = resolveMaxInFlight(manifest.policy.maxInFlight, inventory.nodes.length);
  const others = inventory.nodes.filter((n) => n.id !== canary.node);

  const placement: Record<string, string[]> = {};
  for (const service of manifest.services) if (!service.oneOff) placement[service.name] = [];
  for (const node of inventory.nodes) for (const s of node.services) placement[s]?.push(node.id);
  const oneOffNodes: Record<string, string> = {};
  for (const service of manifest.services) if (service.oneOff) oneOffNodes[service.name] = canary.node;

  return {
    planHash: planHash({ manifest, inventory }),
    cluster: manifest.cluster,
    release: manifest.release,
    ...(manifest.previous !== undefined ? { previous: manifest.previous } : {}),
    canary: canary.node,
    canaryReason: canary.reason,
    maxInFlight,
    waves: buildWaves(others, maxInFlight, outageBudget),
    serviceOrder,
    placement,
    oneOffNodes,
    outageBudget,
    unhealthyNodes: inventory.nodes.filter((n) => !n.healthy).map((n) => n.id),
  };
}
