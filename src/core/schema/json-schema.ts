import { z } from 'zod';
import { inventorySchema } from '../inventory/schema';
import { manifestSchema } from '../manifest/schema';

/** The documents an editor can validate with a JSON Schema: `cluster-update schema <kind>`. */
export const SCHEMA_KINDS = ['manifest', 'inventory'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const SOURCES = {
  manifest: { schema: manifestSchema, title: 'cluster-update release manifest', file: 'src/core/manifest/schema.ts' },
  inventory: { schema: inventorySchema, title: 'cluster-update inventory', file: 'src/core/inventory/schema.ts' },
} as const;

/**
 * The JSON Schema (draft 2020-12) of a manifest or an inventory, derived from the zod schema the CLI validates
 * with, so a field added there appears here with no second place to edit. It describes what a person *writes*
 * (zod's input side): a field with a default is optional. Cross-field rules (duplicates, dependencies, cycles,
 * placement) are beyond JSON Schema; the CLI checks those.
 */
export function jsonSchemaOf(kind: SchemaKind): Record<string, unknown> {
  const source = SOURCES[kind];
  const { $schema, ...rest } = z.toJSONSchema(source.schema, { io: 'input' }) as Record<string, unknown>;
  return {
    $schema,
    title: source.title,
    description: `Generated from ${source.file} by \`cluster-update schema ${kind}\` (npm run schemas); do not edit by hand.`,
    ...rest,
  };
}
