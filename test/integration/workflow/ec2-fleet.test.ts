import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/core/inventory/schema';
import { EXAMPLE_STEPS, smallInventory, smallManifest, smallPolicy } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

/**
 * The small cluster, with the example's platform steps, as AWS would know it: two EC2 instances (i- + 17 hex
 * digits, tags in EC2) and a hybrid node (mi- + 17 hex, tags in SSM), each with a readable Name tag. The real
 * synthesized state machine plans from SSM DescribeInstanceInformation + EC2 DescribeTags + SSM
 * ListTagsForResource, and sends every command to those ids.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html (ManagedInstance: mi- only)
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html
 */
const IDS: Record<string, string> = {
  'node-1': 'i-0a1b2c3d4e5f60711',
  'node-2': 'i-0a1b2c3d4e5f60722',
  'node-3': 'mi-0a1b2c3d4e5f60733',
};

function awsShaped(inventory: Inventory): Inventory {
  return { nodes: inventory.nodes.map((node) => ({ ...node, id: IDS[node.id]!, name: node.id })) };
}

describe('an inventory of EC2 instance and hybrid node ids, end to end on the real state machine', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // canary: auto, as the example's: the manifest cannot know the ids AWS gives.
    harness = await WorkflowHarness.start({ manifest: smallManifest({ ...EXAMPLE_STEPS, policy: smallPolicy({ canary: 'auto' }) }), inventory: awsShaped(smallInventory()) });
  }, 300_000);
  afterAll(async () => harness?.stop());

  it('plans from EC2 and SSM tags and updates every node, the canary an EC2 instance', async () => {
    const started = await harness.start();
    expect(started.plan.canary).toBe(IDS['node-1']);
    const execution = await harness.finished(started.executionArn);
    expect(execution.status, await harness.explain(started.updateId, execution)).toBe('SUCCEEDED');

    const nodes = await harness.fleet.status();
    expect(nodes.map((n) => [n.id, n.release])).toEqual(Object.values(IDS).map((id) => [id, '7.2.0']));
    expect(nodes.flatMap((n) => n.services).every((s) => s.release === '7.2.0' && s.healthy)).toBe(true);
    expect(await harness.updates.require(started.updateId)).toMatchObject({ status: 'SUCCEEDED', owner: { node: IDS['node-1'] } });
    for (const id of Object.values(IDS)) expect(harness.count('platform-install', 'system-packages', id), id).toBe(1);
  }, 300_000);
});
