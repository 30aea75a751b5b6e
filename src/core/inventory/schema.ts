import { z } from 'zod';
import { identifier } from '../manifest/schema';

/**
 * Where services run is cluster state, not release content. On AWS it comes
 * from node tags (`cluster-update:services=search,tql`); offline from this file.
 */
export const inventoryNodeSchema = z
  .object({
    id: identifier,
    /** A readable name (the node's `Name` tag), shown beside the id. @default none */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,127}$/, { message: 'must be a readable name: letters, digits, . _ - and spaces, up to 128' }).optional(),
    services: z.array(identifier).default([]),
    healthy: z.boolean().default(true),
  })
  .strict();

export const inventorySchema = z
  .object({
    nodes: z.array(inventoryNodeSchema).min(1, { message: 'must list at least one node' }),
  })
  .strict();

export type Inventory = z.infer<typeof inventorySchema>;
export type InventoryNode = Inventory['nodes'][number];

/** EC2 instance ids: `i-` and 17 hexadecimal digits (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html). */
export const EC2_INSTANCE_ID = /^i-[0-9a-f]{17}$/;
/** Hybrid (on-premises) managed nodes registered with SSM: `mi-` and 17 hexadecimal digits. */
export const HYBRID_NODE_ID = /^mi-[0-9a-f]{17}$/;

/** How SSM knows a node: an EC2 instance or a hybrid managed node. */
export function nodeKind(id: string): 'ec2' | 'hybrid' {
  return id.startsWith('i-') ? 'ec2' : 'hybrid';
}
