import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRunner, commandBatches } from '../../../../src/aws/commands/command-runner';
import { EC2Client } from '@aws-sdk/client-ec2';
import { readSsmInventory } from '../../../../src/aws/inventory/ssm-inventory';
import { stepRunnerParameters } from '../../../../src/core/step-runner/step-runner-contract';
import { SimulatedFleet } from '../../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../src/local/local-credentials';
import { SsmEmulator } from '../../../../src/local/ssm/ssm-emulator';
import { localTemplate } from '../../../fixtures/local-template';
import { commandDocuments } from '../../../../src/local/template/command-documents';

describe('CommandRunner and the SSM inventory against the emulator and the real step-runner document', () => {
  let scratch: string;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let client: SSMClient;
  let runner: CommandRunner;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-runner-'));
    const nodes = Array.from({ length: 60 }, (_, i) => ({ id: `node-${i + 1}`, services: i % 2 === 0 ? ['search'] : ['search', 'tql'], healthy: i !== 59 }));
    fleet = await SimulatedFleet.start({ runDirectory: scratch, cluster: 'big', release: '1.0.0', platformSteps: ['config'], nodes, serviceProcesses: false });
    const [document] = commandDocuments(localTemplate());
    ssm = await SsmEmulator.start({ fleet, documents: { [document!.name]: document!.content } });
    client = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    runner = new CommandRunner({ ssm: client, documentName: document!.name });
  });
  afterAll(async () => {
    client?.destroy();
    await ssm?.stop();
    await fleet?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reads the cluster from node tags and agent state', async () => {
    const inventory = await readSsmInventory({ ssm: client, ec2: new EC2Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: 'http://127.0.0.1:9' }) }, 'big');
    expect(inventory.nodes).toHaveLength(60);
    expect(inventory.nodes[1]).toEqual({ id: 'node-2', services: ['search', 'tql'], healthy: true });
    expect(inventory.nodes[59]!.healthy).toBe(false); // its agent is offline
  });

  it('sends one command per batch of at most 50 nodes and reports each node\'s outcome; a failing node does not stop the others', async () => {
    fleet.injectFault({ kind: 'fail', operation: 'platform-install', node: 'node-7' });
    const ids = Array.from({ length: 59 }, (_, i) => `node-${i + 1}`);
    const parameters = stepRunnerParameters({ updateId: 'u1', kind: 'platform', step: 'config', release: '2.0.0', script: 'cu-node platform install config "$CU_RELEASE"' });
    await expect(runner.send({ instanceIds: ids, parameters })).rejects.toThrow(/1 to 50 instance ids, not 59/);
    const batches = commandBatches(ids);
    expect(batches.map((b) => b.length)).toEqual([50, 9]);
    const commandIds: string[] = [];
    for (const batch of batches) commandIds.push(await runner.send({ instanceIds: batch, parameters }));
    const results = await runner.waitFor(commandIds, 60_000, 100);
    expect(results).toHaveLength(59);
    expect(results.filter((r) => r.outcome === 'failed').map((r) => r.instanceId)).toEqual(['node-7']);
    expect(results.find((r) => r.instanceId === 'node-7')!.responseCode).toBe(1);
    expect((await fleet.status()).filter((n) => n.platform.config === '2.0.0')).toHaveLength(58);
  });

  it('re-attaching to a command id reads the same results without running anything again', async () => {
    const before = fleet.operations().length;
    const commandIds = [await runner.send({ instanceIds: ['node-1'], parameters: stepRunnerParameters({ updateId: 'u2', kind: 'platform', step: 'config', release: '3.0.0', script: 'cu-node platform install config "$CU_RELEASE"' }) })];
    const first = await runner.waitFor(commandIds, 30_000, 100);
    const again = await runner.results(commandIds);
    expect(again).toEqual(first);
    expect(fleet.operations().length).toBe(before + 1);
  });

  it('a budget that runs out returns the pending invocations as they are', async () => {
    fleet.injectFault({ kind: 'slow', operation: 'hook', delayMs: 3000 });
    const commandIds = [await runner.send({ instanceIds: ['node-3'], parameters: stepRunnerParameters({ updateId: 'u3', kind: 'hook', step: 'smoke', release: '2.0.0', script: 'cu-node hook smoke' }) })];
    const results = await runner.waitFor(commandIds, 300, 100);
    expect(results[0]!.outcome).toBe('pending');
    await runner.cancel(commandIds);
    expect((await runner.waitFor(commandIds, 10_000, 100))[0]!.status).toBe('Cancelled');
    fleet.clearFaults();
  });
});
