import { NoSafePlanError } from '../errors';
import type { Inventory } from '../inventory/schema';
import type { Manifest } from '../manifest/schema';

/**
 * For each long-running service: how many replicas may be out at once =
 * healthy replicas − minHealthy (unhealthy replicas are already out).
 * Every healthy replica must be taken out once to be updated, so a service
 * with healthy replicas needs a budget of at least 1.
 */
export function outageBudgets(manifest: Manifest, inventory: Inventory): Record<string, number> {
  const replicas = new Map<string, { total: number; unhealthy: number }>();
  for (const node of inventory.nodes) {
    for (const name of node.services) {
      const entry = replicas.get(name) ?? { total: 0, unhealthy: 0 };
      entry.total += 1;
      if (!node.healthy) entry.unhealthy += 1;
      replicas.set(name, entry);
    }
  }
  const budgets: Record<string, number> = {};
  for (const service of manifest.services) {
    if (service.oneOff) continue;
    const { total, unhealthy } = replicas.get(service.name) ?? { total: 0, unhealthy: 0 };
    const healthy = total - unhealthy;
    const budget = healthy - service.minHealthy;
    if (healthy > 0 && budget < 1) {
      throw new NoSafePlanError(
        service.name,
        `no safe plan for service '${service.name}': ${total} replica${total === 1 ? '' : 's'}, ${unhealthy} unhealthy, minHealthy ${service.minHealthy} — ` +
          'no replica can be taken out to update it; lower minHealthy, add a replica or repair the unhealthy node',
      );
    }
    if (healthy === 0 && service.minHealthy > 0) {
      throw new NoSafePlanError(service.name, `service '${service.name}' is already below minHealthy ${service.minHealthy}: all ${total} replicas are on unhealthy nodes`);
    }
    budgets[service.name] = Math.max(0, budget);
  }
  return budgets;
}
