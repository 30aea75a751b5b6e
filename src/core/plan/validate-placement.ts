import { InputError, ValidationError, type ValidationIssue } from '../errors';
import type { Inventory } from '../inventory/schema';
import type { Manifest } from '../manifest/schema';

/**
 * Checks the manifest against where things run: every long-running service is
 * hosted somewhere, every hosted service is declared (typo protection), no
 * one-off is placed (one-offs run on the canary), minHealthy fits the replicas,
 * and a named canary exists and is healthy.
 */
export function validatePlacement(manifest: Manifest, inventory: Inventory, source = 'manifest + inventory'): void {
  const issues: ValidationIssue[] = [];
  const services = new Map(manifest.services.map((s, i) => [s.name, { service: s, index: i }]));
  const replicas = new Map<string, number>();
  inventory.nodes.forEach((node, i) => {
    node.services.forEach((name, j) => {
      const declared = services.get(name);
      if (!declared) issues.push({ path: `inventory.nodes[${i}].services[${j}]`, message: `node '${node.id}' hosts '${name}', which the manifest does not declare` });
      else if (declared.service.oneOff) issues.push({ path: `inventory.nodes[${i}].services[${j}]`, message: `'${name}' is a one-off; it runs once on the canary and is not placed on nodes` });
      replicas.set(name, (replicas.get(name) ?? 0) + 1);
    });
  });
  for (const [name, { service, index }] of services) {
    if (service.oneOff) continue;
    const count = replicas.get(name) ?? 0;
    if (count === 0) issues.push({ path: `services[${index}]`, message: `no node hosts service '${name}'` });
    else if (service.minHealthy > count) {
      issues.push({ path: `services[${index}].minHealthy`, message: `service '${name}' has minHealthy ${service.minHealthy} but only ${count} replica${count === 1 ? '' : 's'}` });
    }
  }
  const canary = manifest.policy.canary;
  if (canary !== 'auto') {
    const node = inventory.nodes.find((n) => n.id === canary);
    if (!node) issues.push({ path: 'policy.canary', message: `canary node '${canary}' is not in the inventory` });
    else if (!node.healthy) issues.push({ path: 'policy.canary', message: `canary node '${canary}' is unhealthy; pick a healthy node or 'auto'` });
  }
  if (issues.length > 0) throw new ValidationError(source, issues);
  if (!inventory.nodes.some((n) => n.healthy)) throw new InputError('no healthy node in the inventory: nothing can be the canary');
}
