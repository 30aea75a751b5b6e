import type { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, ListTagsForResourceCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Inventory } from '../../core/inventory/schema';
import { nodeKind } from '../../core/inventory/schema';
import { toInventory } from '../../core/inventory/parse-inventory';

export const CLUSTER_TAG = 'cluster-update:cluster';
export const SERVICES_TAG = 'cluster-update:services';
export const NAME_TAG = 'Name';

/** How many ListTagsForResource calls run at once. */
const TAG_CONCURRENCY = 10;
/** Instance ids per DescribeTags call (one `resource-id` filter; EC2 takes up to 200 values per filter). */
const DESCRIBE_TAGS_BATCH = 100;

export interface NodeAgent {
  readonly id: string;
  readonly online: boolean;
  readonly agentVersion: string;
}

/** The clients the inventory reads with. */
export interface InventoryClients {
  readonly ssm: SSMClient;
  readonly ec2: EC2Client;
}

/**
 * The cluster as SSM sees it: managed nodes tagged `cluster-update:cluster`,
 * their services from the `cluster-update:services` tag, healthy when the
 * agent answers (PingStatus Online). Validated like an inventory file.
 *
 * Each kind of node has its tags in its own API: EC2 instances (`i-…`) in EC2
 * (DescribeTags; needs `ec2:DescribeTags`, which has no resource-level
 * permissions, so Resource "*"), hybrid nodes (`mi-…`) in SSM
 * (ListTagsForResource with ResourceType ManagedInstance, which AWS answers
 * for `mi-` ids only: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html).
 */
export async function readSsmInventory(clients: InventoryClients, cluster: string): Promise<Inventory> {
  const agents = await describeAgents(clients.ssm, cluster);
  const tags = new Map<string, Record<string, string>>();
  const instances = agents.filter((a) => nodeKind(a.id) === 'ec2').map((a) => a.id);
  for (const [id, nodeTags] of await ec2Tags(clients.ec2, instances)) tags.set(id, nodeTags);
  const hybrid = agents.filter((a) => nodeKind(a.id) === 'hybrid');
  for (let i = 0; i < hybrid.length; i += TAG_CONCURRENCY) {
    const batch = hybrid.slice(i, i + TAG_CONCURRENCY);
    await Promise.all(
      batch.map(async (agent) => {
        const answer = await clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: agent.id }));
        tags.set(agent.id, Object.fromEntries((answer.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
      }),
    );
  }
  const nodes = agents.map((agent) => {
    const nodeTags = tags.get(agent.id) ?? {};
    const services = (nodeTags[SERVICES_TAG] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const name = nodeTags[NAME_TAG];
    return { id: agent.id, ...(name && name !== agent.id ? { name } : {}), services, healthy: agent.online };
  });
  return toInventory({ nodes }, `SSM managed nodes tagged ${CLUSTER_TAG}=${cluster}`);
}

/** The services and Name tags of EC2 instances, from EC2 DescribeTags (batched, all pages). */
async function ec2Tags(ec2: EC2Client, instanceIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
  if (instanceIds.length === 0) return new Map();
  // Loaded only for a cluster with EC2 instances: the largest SDK package, 0.5–0.7 CPU-s to load (clients.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DescribeTagsCommand } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
  const tags = new Map<string, Record<string, string>>(instanceIds.map((id) => [id, {}]));
  for (let i = 0; i < instanceIds.length; i += DESCRIBE_TAGS_BATCH) {
    const batch = instanceIds.slice(i, i + DESCRIBE_TAGS_BATCH);
    let nextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeTagsCommand({
          Filters: [{ Name: 'resource-id', Values: [...batch] }, { Name: 'key', Values: [SERVICES_TAG, NAME_TAG] }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      for (const tag of page.Tags ?? []) {
        const of = tags.get(tag.ResourceId ?? '');
        if (of && tag.Key) of[tag.Key] = tag.Value ?? '';
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return tags;
}

/** Every managed node of the cluster with its agent state (all pages). */
export async function describeAgents(ssm: SSMClient, cluster: string, instanceIds?: readonly string[]): Promise<NodeAgent[]> {
  const agents: NodeAgent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: `tag:${CLUSTER_TAG}`, Values: [cluster] }, ...(instanceIds ? [{ Key: 'InstanceIds', Values: [...instanceIds] }] : [])],
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    for (const info of page.InstanceInformationList ?? []) {
      agents.push({ id: info.InstanceId!, online: info.PingStatus === 'Online', agentVersion: info.AgentVersion ?? '' });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return agents;
}
