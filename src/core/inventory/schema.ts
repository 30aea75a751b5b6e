import { z } from 'zod';
import { identifier } from '../manifest/schema';

/**
 * Where services run is cluster state, not release content. On AWS it comes
 * from node tags (`cluster-update:services=search,tql`); offline from this file.
 */
export const inventoryNodeSchema = z
  .object({
    id: identifier,
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
