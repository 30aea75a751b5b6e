import { createHash } from 'node:crypto';
import { InputError } from '../errors';
import type { Manifest } from '../manifest/schema';
import type { Inventory } from './schema';

/**
 * A placement for a simulated cluster of `nodeCount` nodes when no inventory
 * file is given (`--nodes N`). Each long-running service gets
 * min(nodeCount, minHealthy + 2) replicas, so it keeps at least one replica
 * of headroom above minHealthy during waves; replicas are spread round-robin
 * so every node hosts something. Deterministic for the same inputs.
 *
 * Node ids are readable (`node-01`), or shaped as AWS shapes them with the
 * readable name as the node's `Name` tag: EC2 instances (`i-` + 17 hex digits)
 * or hybrid managed nodes (`mi-` + 17 hex digits).
 */
export type GeneratedNodeIds = 'names' | 'ec2' | 'hybrid';
export const GENERATED_NODE_IDS: readonly GeneratedNodeIds[] = ['names', 'ec2', 'hybrid'];

export function generateInventory(manifest: Manifest, nodeCount: number, nodeIds: GeneratedNodeIds = 'names'): Inventory {
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new InputError(`--nodes must be a whole number ≥ 1, got ${nodeCount}`);
  const width = String(nodeCount).length;
  const names = Array.from({ length: nodeCount }, (_, i) => `node-${String(i + 1).padStart(width, '0')}`);
  const ids = names.map((name) => (nodeIds === 'names' ? name : awsShapedId(nodeIds, manifest.cluster, name)));
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
  return { nodes: ids.map((id, i) => ({ id, ...(nodeIds === 'names' ? {} : { name: names[i] }), services: hosted[i]!, healthy: true })) };
}

/** A stable id of AWS's shape for a simulated node (the same cluster and name give the same id). */
function awsShapedId(kind: 'ec2' | 'hybrid', cluster: string, name: string): string {
  const hex = createHash('sha256').update(`${cluster}/${name}`).digest('hex').slice(0, 16);
  return `${kind === 'ec2' ? 'i' : 'mi'}-0${hex}`;
}
