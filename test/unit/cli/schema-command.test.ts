import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inventorySchema } from '../../../src/core/inventory/schema';
import { manifestSchema } from '../../../src/core/manifest/schema';

const root = join(__dirname, '../../..');
const BIN = join(root, 'bin/cluster-update.js');
const schema = (kind: string) => execFileSync(process.execPath, [BIN, 'schema', kind], { encoding: 'utf8' });

describe('cluster-update schema', () => {
  it('the schema files in the package are what the command prints (run `npm run schemas` after changing a zod schema)', () => {
    for (const kind of ['manifest', 'inventory']) expect(readFileSync(join(root, 'schemas', `${kind}.schema.json`), 'utf8'), kind).toBe(schema(kind));
  });

  it('derives from the zod schemas: every field zod knows is in the JSON Schema, with the same required fields', () => {
    const printed = JSON.parse(schema('manifest'));
    expect(Object.keys(printed.properties)).toEqual(Object.keys(manifestSchema.shape));
    expect(printed.required.sort()).toEqual(['cluster', 'release']);
    expect(Object.keys(printed.properties.services.items.properties)).toEqual(Object.keys(manifestSchema.shape.services.unwrap().element.shape));
    expect(printed.additionalProperties).toBe(false);
    const inventory = JSON.parse(schema('inventory'));
    expect(inventory).toMatchObject(z.toJSONSchema(inventorySchema, { io: 'input' }) as object);
  });

  it('the examples point editors at the shipped schemas', () => {
    for (const [file, kind] of [['release-7.2.0.yaml', 'manifest'], ['release-7.3.0-irreversible.yaml', 'manifest'], ['inventory.yaml', 'inventory']] as const) {
      const first = readFileSync(join(root, 'examples/analytics-cluster', file), 'utf8').split('\n')[0];
      expect(first).toBe(`# yaml-language-server: $schema=../../schemas/${kind}.schema.json`);
    }
  });

  it('an unknown kind exits 2 and names the choices', () => {
    const result = spawnSync(process.execPath, [BIN, 'schema', 'plan'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('manifest, inventory');
  });
});
