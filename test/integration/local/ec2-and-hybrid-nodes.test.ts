import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSsmInventory } from '../../../src/aws/inventory/ssm-inventory';
import { Ec2StandIn } from '../../../src/local/ec2/ec2-stand-in';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';

/**
 * EC2 instances and hybrid nodes, each with its tags in its own API, as on AWS:
 * - SSM ListTagsForResource, ResourceType ManagedInstance: "mi-012345abcde" ids only
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListTagsForResource.html); an i- id is InvalidResourceId.
 * - SSM DescribeInstanceInformation ResourceType EC2Instance | ManagedInstance
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html).
 * - EC2 DescribeTags / DescribeInstances over the EC2 query protocol, errors InvalidInstanceID.NotFound / .Malformed
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html,
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html,
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
const EC2_A = 'i-0a1b2c3d4e5f60718';
const EC2_B = 'i-0123456789abcdef0';
const HYBRID = 'mi-0fedcba9876543210';

describe('EC2 and hybrid nodes through the real SSM and EC2 SDK clients', () => {
  let runDirectory: string;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let ec2: Ec2StandIn;
  let ssmClient: SSMClient;
  let ec2Client: EC2Client;

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-ec2-'));
    fleet = await SimulatedFleet.start({
      runDirectory,
      cluster: 'mixed',
      release: '1.0.0',
      platformSteps: ['system-packages'],
      serviceProcesses: false,
      nodes: [
        { id: EC2_A, name: 'web-a', services: ['search', 'tql'] },
        { id: EC2_B, name: 'web-b', services: ['search'], healthy: false },
        { id: HYBRID, name: 'rack-7', services: ['tql'] },
      ],
    });
    ssm = await SsmEmulator.start({ fleet });
    ec2 = await Ec2StandIn.start({ fleet });
    ssmClient = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    ec2Client = new EC2Client({ endpoint: ec2.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    ssmClient?.destroy();
    ec2Client?.destroy();
    await ec2?.stop();
    await ssm?.stop();
    await fleet?.stop();
    rmSync(runDirectory, { recursive: true, force: true });
  });

  it('SSM ListTagsForResource(ManagedInstance) answers a hybrid node and refuses an EC2 instance id with InvalidResourceId', async () => {
    const hybrid = await ssmClient.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: HYBRID }));
    expect(hybrid.TagList).toEqual(expect.arrayContaining([{ Key: 'cluster-update:services', Value: 'tql' }, { Key: 'Name', Value: 'rack-7' }]));
    await expect(ssmClient.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: EC2_A }))).rejects.toMatchObject({ name: 'InvalidResourceId' });
  });

  it('SSM DescribeInstanceInformation says which node is an EC2 instance and which a hybrid node', async () => {
    const answer = await ssmClient.send(new DescribeInstanceInformationCommand({}));
    expect(Object.fromEntries(answer.InstanceInformationList!.map((i) => [i.InstanceId, i.ResourceType]))).toEqual({ [EC2_A]: 'EC2Instance', [EC2_B]: 'EC2Instance', [HYBRID]: 'ManagedInstance' });
  });

  it('EC2 DescribeTags gives the tags of EC2 instances by resource id and key, page by page; hybrid nodes are not EC2 resources', async () => {
    const answer = await ec2Client.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [EC2_A, HYBRID] }, { Name: 'key', Values: ['cluster-update:services'] }] }));
    expect(answer.Tags).toEqual([{ ResourceId: EC2_A, ResourceType: 'instance', Key: 'cluster-update:services', Value: 'search,tql' }]);
    const first = await ec2Client.send(new DescribeTagsCommand({ MaxResults: 5 }));
    expect(first.Tags).toHaveLength(5);
    const second = await ec2Client.send(new DescribeTagsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Tags).toHaveLength(1); // 2 instances × 3 tags
    expect(second.NextToken).toBeUndefined();
    await expect(ec2Client.send(new DescribeTagsCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('EC2 DescribeInstances gives state and Name tag, by id or tag filter; unknown and malformed ids are refused as on EC2', async () => {
    const byId = await ec2Client.send(new DescribeInstancesCommand({ InstanceIds: [EC2_B] }));
    const instance = byId.Reservations![0]!.Instances![0]!;
    expect(instance).toMatchObject({ InstanceId: EC2_B, State: { Name: 'stopped', Code: 80 } });
    expect(instance.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'web-b' }]));
    const byTag = await ec2Client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:cluster-update:cluster', Values: ['mixed'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    expect(byTag.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([EC2_A]);
    await expect(ec2Client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0ffffffffffffffff'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    await expect(ec2Client.send(new DescribeInstancesCommand({ InstanceIds: [HYBRID] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
  });

  it('the inventory reads EC2 instances from EC2 and hybrid nodes from SSM, with their names', async () => {
    const inventory = await readSsmInventory({ ssm: ssmClient, ec2: ec2Client }, 'mixed');
    expect(inventory.nodes).toEqual([
      { id: EC2_A, name: 'web-a', services: ['search', 'tql'], healthy: true },
      { id: EC2_B, name: 'web-b', services: ['search'], healthy: false },
      { id: HYBRID, name: 'rack-7', services: ['tql'], healthy: true },
    ]);
  });
});
