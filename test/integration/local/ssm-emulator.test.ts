import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelCommandCommand, DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand,
  ListTagsForResourceCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';

const DOCUMENT = {
  schemaVersion: '2.2',
  description: 'test step runner',
  parameters: {
    Step: { type: 'String', allowedPattern: '^[a-z0-9][a-z0-9-]*$' },
    Release: { type: 'String', allowedPattern: '^[0-9A-Za-z][0-9A-Za-z._+-]*$' },
  },
  mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand: ['set -eu', 'cu-node platform install "{{ Step }}" "{{ Release }}"'], timeoutSeconds: '30' } }],
} as const;

describe('SSM emulator with the real @aws-sdk/client-ssm', () => {
  let runDirectory: string;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let client: SSMClient;

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-ssm-'));
    fleet = await SimulatedFleet.start({
      runDirectory,
      cluster: 'test-cluster',
      release: '1.0.0',
      platformSteps: ['system-packages', 'node-agent'],
      nodes: [
        { id: 'node-1', services: ['search'] },
        { id: 'node-2', services: ['search'] },
        { id: 'node-3', services: [] },
      ],
    });
    ssm = await SsmEmulator.start({ fleet, documents: { 'cluster-update-step': DOCUMENT } });
    client = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await ssm?.stop();
    await fleet?.stop();
    rmSync(runDirectory, { recursive: true, force: true });
  });

  async function finished(commandId: string, instanceId: string) {
    for (;;) {
      const answer = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      if (['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(answer.Status!)) return answer;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const shell = (instanceIds: string[], commands: string[], extra: Record<string, unknown> = {}) =>
    client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: instanceIds, Parameters: { commands }, ...extra }));

  it('runs a script on the node, in its root, with its environment', async () => {
    const sent = await shell(['node-1'], ['echo "node=$CU_NODE_ID"', 'pwd']);
    const answer = await finished(sent.Command!.CommandId!, 'node-1');
    expect(answer).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    expect(answer.StandardOutputContent).toContain('node=node-1');
    expect(answer.StandardOutputContent).toContain(join(runDirectory, 'nodes', 'node-1'));
  });

  it('a failed exit code is Failed with ResponseCode and stderr', async () => {
    const sent = await shell(['node-1'], ['echo broken >&2', 'exit 3']);
    expect(await finished(sent.Command!.CommandId!, 'node-1')).toMatchObject({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 3, StandardErrorContent: 'broken\n' });
  });

  it('runs the project document: validated parameters reach cu-node, which changes the node', async () => {
    const sent = await client.send(new SendCommandCommand({ DocumentName: 'cluster-update-step', InstanceIds: ['node-2'], Parameters: { Step: ['system-packages'], Release: ['2.0.0'] } }));
    expect((await finished(sent.Command!.CommandId!, 'node-2')).Status).toBe('Success');
    expect((await fleet.node('node-2').report()).platform['system-packages']).toBe('2.0.0');
  });

  it('refuses a parameter outside its allowedPattern, an unknown document and an unknown instance', async () => {
    await expect(client.send(new SendCommandCommand({ DocumentName: 'cluster-update-step', InstanceIds: ['node-1'], Parameters: { Step: ['x; rm -rf /'], Release: ['1'] } }))).rejects.toMatchObject({ name: 'InvalidParameters' });
    await expect(client.send(new SendCommandCommand({ DocumentName: 'nope', InstanceIds: ['node-1'] }))).rejects.toMatchObject({ name: 'InvalidDocument' });
    await expect(shell(['node-9'], ['true'])).rejects.toMatchObject({ name: 'InvalidInstanceId' });
    await expect(client.send(new GetCommandInvocationCommand({ CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: 'node-1' }))).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
  });

  it('truncates standard output at 24,000 characters', async () => {
    const sent = await shell(['node-1'], ["head -c 30000 /dev/zero | tr '\\0' x"]);
    expect((await finished(sent.Command!.CommandId!, 'node-1')).StandardOutputContent).toHaveLength(24_000);
  });

  it('an execution timeout ends TimedOut and a cancel ends Cancelled', async () => {
    const slow = await shell(['node-1'], ['sleep 30'], { Parameters: { commands: ['sleep 30'], executionTimeout: ['1'] } });
    expect(await finished(slow.Command!.CommandId!, 'node-1')).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
    const cancelled = await shell(['node-2'], ['sleep 30']);
    await new Promise((r) => setTimeout(r, 300));
    await client.send(new CancelCommandCommand({ CommandId: cancelled.Command!.CommandId! }));
    expect((await finished(cancelled.Command!.CommandId!, 'node-2')).Status).toBe('Cancelled');
  });

  it('honours MaxConcurrency and stops sending after MaxErrors', async () => {
    const sent = await shell(['node-1', 'node-2', 'node-3'], ['date +%s%N', 'sleep 0.4'], { MaxConcurrency: '1' });
    const starts: number[] = [];
    for (const id of ['node-1', 'node-2', 'node-3']) starts.push(Number((await finished(sent.Command!.CommandId!, id)).StandardOutputContent!.trim()) / 1e6);
    starts.sort((a, b) => a - b);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(350);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(350);

    const failing = await shell(['node-1', 'node-2', 'node-3'], ['exit 1'], { MaxConcurrency: '1', MaxErrors: '0' });
    const statuses = [];
    for (const id of ['node-1', 'node-2', 'node-3']) statuses.push((await finished(failing.Command!.CommandId!, id)).Status);
    expect(statuses).toEqual(['Failed', 'Cancelled', 'Cancelled']);
  });

  it('an offline node gets its command when it comes back in time, else DeliveryTimedOut', async () => {
    await fleet.stopNode('node-3');
    const late = await shell(['node-3'], ['echo delivered'], { TimeoutSeconds: 30 });
    const lost = await shell(['node-3'], ['echo never'], { TimeoutSeconds: 1 });
    expect(await finished(lost.Command!.CommandId!, 'node-3')).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ResponseCode: -1 });
    expect((await client.send(new GetCommandInvocationCommand({ CommandId: late.Command!.CommandId!, InstanceId: 'node-3' }))).Status).toBe('Pending');
    await fleet.startNode('node-3');
    expect((await finished(late.Command!.CommandId!, 'node-3')).StandardOutputContent).toBe('delivered\n');
  });

  it('targets by tag, lists invocations, describes instances by tag with the agent version, and lists tags', async () => {
    const sent = await client.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', Targets: [{ Key: 'tag:cluster-update:cluster', Values: ['test-cluster'] }], Parameters: { commands: ['true'] } }));
    expect(sent.Command!.TargetCount).toBe(3);
    for (const id of ['node-1', 'node-2', 'node-3']) await finished(sent.Command!.CommandId!, id);
    const listed = await client.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId!, Details: true }));
    expect(listed.CommandInvocations!.map((i) => i.Status)).toEqual(['Success', 'Success', 'Success']);
    const info = await client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:cluster-update:cluster', Values: ['test-cluster'] }] }));
    expect(info.InstanceInformationList!.map((i) => [i.InstanceId, i.PingStatus, i.AgentVersion])).toEqual([
      ['node-1', 'Online', '1.0.0'],
      ['node-2', 'Online', '1.0.0'],
      ['node-3', 'Online', '1.0.0'],
    ]);
    expect((await client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:cluster-update:cluster', Values: ['other'] }] }))).InstanceInformationList).toEqual([]);
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: 'node-1' }));
    expect(tags.TagList).toContainEqual({ Key: 'cluster-update:services', Value: 'search' });
  });
});
