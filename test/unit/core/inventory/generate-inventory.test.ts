import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateInventory } from '../../../../src/core/inventory/generate-inventory';
import { EC2_INSTANCE_ID, HYBRID_NODE_ID } from '../../../../src/core/inventory/schema';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import { renderPlan } from '../../../../src/cli/commands/plan';
import { planUpdate } from '../../../../src/core/plan/plan-update';

const manifest = parseManifest(readFileSync(join(__dirname, '../../../../examples/analytics-cluster/release-7.2.0.yaml'), 'utf8'));

describe('generated inventories', () => {
  it('name nodes node-01… by default', () => {
    expect(generateInventory(manifest, 12).nodes.map((n) => n.id).slice(0, 2)).toEqual(['node-01', 'node-02']);
  });

  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html: i- and 17 hexadecimal characters.
  it('can give EC2 instance ids or hybrid node ids, stable and distinct, each named by its Name tag', () => {
    const ec2 = generateInventory(manifest, 12, 'ec2').nodes;
    expect(ec2.every((n) => EC2_INSTANCE_ID.test(n.id))).toBe(true);
    expect(new Set(ec2.map((n) => n.id)).size).toBe(12);
    expect(ec2.map((n) => n.name).slice(0, 2)).toEqual(['node-01', 'node-02']);
    expect(generateInventory(manifest, 12, 'ec2').nodes).toEqual(ec2);
    expect(generateInventory(manifest, 3, 'hybrid').nodes.every((n) => HYBRID_NODE_ID.test(n.id))).toBe(true);
  });

  it('the plan shows each EC2 node with its name', () => {
    const inventory = generateInventory(manifest, 6, 'ec2');
    const text = renderPlan(manifest, planUpdate(manifest, inventory), inventory);
    expect(text).toMatch(/canary {5}i-[0-9a-f]{17} \(node-\d\)/);
  });
});
