import { DescribeInstanceInformationCommand, ListTagsForResourceCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Inventory } from '../../core/inventory/schema';
import { toInventory } from '../../core/inventory/parse-inventory';

export const CLUSTER_TAG = 'cluster-update:cluster';
export const SERVICES_TAG = 'cluster-update:services';

/** How many ListTagsForResource calls run at once. */
const TAG_CONCURRENCY = 10;

export interface NodeAgent {
  readonly id: string;
  readonly online: boolean;
  readonly agentVersion: string;
}

/**
 * The cluster as SSM sees it: managed nodes tagged `cluster-update:cluster`,
 * their services from the `cluster-update:services` tag, healthy when the
 * agent answers (PingStatus Online). Validated like an inventory file.
 */
export async function readSsmInventory(ssm: SSMClient, cluster: string): Promise<Inventory> {
  const agents = await describeAgents(ssm, cluster);
  const nodes: { id: string; services: string[]; healthy: boolean }[] = [];
  for (let i = 0; i < agents.length; i += TAG_CONCURRENCY) {
    const batch = agents.slice(i, i + TAG_CONCURRENCY);
    nodes.push(
      ...(await Promise.all(
        batch.map(async (agent) => {
          const tags = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: agent.id }));
          const value = tags.TagList?.find((t) => t.Key === SERVICES_TAG)?.Value ?? '';
          return { id: agent.id, services: value.split(',').map((s) => s.trim()).filter(Boolean), healthy: agent.online };
        }),
      )),
    );
  }
  return toInventory({ nodes }, `SSM managed nodes tagged ${CLUSTER_TAG}=${cluster}`);
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
