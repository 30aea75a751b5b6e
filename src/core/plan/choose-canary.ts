import type { Inventory } from '../inventory/schema';
import type { Policy } from '../manifest/schema';

export interface CanaryChoice {
  readonly node: string;
  /** Why this node, for `plan` output: "named in policy.canary" or "auto: hosts 9 services". */
  readonly reason: string;
}

/**
 * `auto`: the healthy node hosting the most distinct long-running services
 * (the widest test of the new release), ties broken by the smallest node id.
 */
export function chooseCanary(policy: Policy, inventory: Inventory): CanaryChoice {
  if (policy.canary !== 'auto') return { node: policy.canary, reason: 'named in policy.canary' };
  let best: { id: string; count: number } | undefined;
  for (const node of inventory.nodes) {
    if (!node.healthy) continue;
    const count = new Set(node.services).size;
    if (!best || count > best.count || (count === best.count && node.id < best.id)) best = { id: node.id, count };
  }
  // validatePlacement guarantees a healthy node exists.
  return { node: best!.id, reason: `auto: hosts ${best!.count} service${best!.count === 1 ? '' : 's'}` };
}
