import { InputError } from '../errors';
import type { Manifest } from '../manifest/schema';
import type { Inventory } from './schema';

/**
 * A placement for a simulated cluster of `nodeCount` nodes when no inventory
 * file is given (`--nodes N`). Each long-running service gets
 * min(nodeCount, minHealthy + 2) replicas, so it keeps at least one replica
 * of headroom above minHealthy during waves; replicas are spread round-robin
 * so every node hosts something. Deterministic for the same inputs.
 */
export function generateInventory(manifest: Manifest, nodeCount: number): Inventory {
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new InputError(`--nodes must be a whole number ≥ 1, got ${nodeCount}`);
  const width = String(nodeCount).length;
  const ids = Array.from({ length: nodeCount }, (_, i) => `node-${String(i + 1).padStart(width, '0')}`);
  const hosted = ids.map(() => [] as string[]);
  let cursor = 0;
  for (const service of manifest.services.filter((s) => !s.oneOff)) {
    const replicas = Math.min(nodeCount, service.minHealthy + 2);
    if (replicas <= service.minHealthy) {
      throw new InputError(`--nodes ${nodeCount} is too few for service '${service.name}' (minHealthy ${service.minHealthy} needs at least ${service.minHealthy + 1} nodes)`);
    }
    for (let r = 0; r < replicas; r += 1) hosted[(cursor + r) % nodeCount]!.push(service.name);
    cursor = (cursor + replicas) % nodeCount;
  }
  return { nodes: ids.map((id, i) => ({ id, services: hosted[i]!, healthy: true })) };
}
