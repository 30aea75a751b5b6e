import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { parseManifest } from '../../../src/core/manifest/parse-manifest';
import { stepRunnerParameters, type StepInvocation } from '../../../src/core/step-runner/step-runner-contract';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { isProcessAlive } from '../../../src/local/local-state';
import { isListening } from '../../../src/local/port-check';
import { LocalRuntime } from '../../../src/local/runtime';

const root = join(__dirname, '../../..');
const exec = promisify(execFile);

describe('the local runtime built from the synthesized stack', () => {
  let runtime: LocalRuntime;
  let ssm: SSMClient;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-runtime-'));
    runtime = await LocalRuntime.start({
      runDirectory: scratch,
      manifest: parseManifest(readFileSync(join(root, 'examples/analytics-cluster/release-7.2.0.yaml'), 'utf8')),
      inventory: parseInventory(readFileSync(join(root, 'examples/analytics-cluster/inventory.yaml'), 'utf8')),
    });
    ssm = new SSMClient({ endpoint: runtime.ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    ssm?.destroy();
    await runtime?.stop();
    // A failed assertion in the `local up` test must not leave that runtime running.
    await exec(process.execPath, [join(root, 'bin/cluster-update.js'), 'local', 'down', '--run-dir', join(scratch, 'cli')], { timeout: 60_000 }).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  async function runStep(node: string, invocation: StepInvocation) {
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: runtime.documentName, InstanceIds: [node], Parameters: stepRunnerParameters(invocation) }));
    for (;;) {
      const answer = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: node }));
      if (!['Pending', 'InProgress'].includes(answer.Status!)) return answer;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('creates the table the template declares, with its key schema and TTL', async () => {
    const client = new DynamoDBClient({ endpoint: runtime.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const table = await client.send(new DescribeTableCommand({ TableName: runtime.tableName }));
    client.destroy();
    expect(table.Table!.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect(table.Table!.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byCluster');
  });

  it('the fleet starts at the manifest\'s previous release with every service process up', async () => {
    const nodes = await runtime.fleet.status();
    expect(nodes.map((n) => n.release)).toEqual(Array(6).fill('7.1.3'));
    expect(nodes.flatMap((n) => n.services).every((s) => s.healthy && s.release === '7.1.3')).toBe(true);
  });

  it('runs the real step-runner document: a step runs once per update, a re-sent command is a no-op (ledger)', async () => {
    const step: StepInvocation = { updateId: 'u-1', kind: 'platform', step: 'system-packages', release: '7.2.0', previous: '7.1.3', script: 'cu-node platform install system-packages "$CU_RELEASE"' };
    expect(await runStep('node-2', step)).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    const again = await runStep('node-2', step);
    expect(again.Status).toBe('Success');
    expect(again.StandardOutputContent).toContain('cluster-update: platform system-packages already done at');
    const installs = runtime.fleet.operations().filter((o) => o.node === 'node-2' && o.operation === 'platform-install');
    expect(installs).toHaveLength(1);
    expect((await runtime.fleet.node('node-2').report()).platform['system-packages']).toBe('7.2.0');
    // A different update id is new work.
    await runStep('node-2', { ...step, updateId: 'u-2' });
    expect(runtime.fleet.operations().filter((o) => o.node === 'node-2' && o.operation === 'platform-install')).toHaveLength(2);
  });

  it('health checks are never ledgered, a failing command reports its exit code, and the environment reaches the script', async () => {
    const health: StepInvocation = { updateId: 'u-1', kind: 'health', step: 'search', release: '7.1.3', script: 'cu-node service health "$CU_STEP" "$CU_RELEASE"' };
    await runStep('node-1', health);
    await runStep('node-1', health);
    expect(runtime.fleet.operations().filter((o) => o.operation === 'service-health' && o.node === 'node-1')).toHaveLength(2);
    const failing = await runStep('node-1', { updateId: 'u-1', kind: 'hook', step: 'env-check', release: '7.2.0', script: 'echo "$CU_UPDATE_ID $CU_KIND $CU_STEP $CU_RELEASE $CU_PREVIOUS"; exit 4' });
    expect(failing).toMatchObject({ Status: 'Failed', ResponseCode: 4, StandardOutputContent: 'u-1 hook env-check 7.2.0 \n' });
  });

  it('`local up` runs everything in the background and `local down` leaves no process or port behind', async () => {
    const runDir = join(scratch, 'cli');
    const bin = join(root, 'bin/cluster-update.js');
    const { stdout } = await exec(process.execPath, [bin, 'local', 'up', '--nodes', '3', '--json', '--run-dir', runDir], { timeout: 120_000 });
    const up = JSON.parse(stdout);
    expect(Object.keys(up.endpoints).sort()).toEqual(['dynamodb', 'ec2', 'fleet', 'ssm', 'stepfunctions']);
    expect(up.nodes).toEqual(['node-1', 'node-2', 'node-3']);
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
    const fleetReport = (await (await fetch(`${up.endpoints.fleet}/nodes`)).json()) as { services: { pid: number }[] }[];
    const pids = [state.pid, ...fleetReport.flatMap((n) => n.services.map((s) => s.pid))];
    expect(pids.length).toBeGreaterThan(3);
    await expect(exec(process.execPath, [bin, 'local', 'up', '--run-dir', runDir])).rejects.toMatchObject({ code: 2 });
    // Faults and node outages through the CLI reach the background fleet.
    await exec(process.execPath, [bin, 'local', 'fault', 'fail', '--operation', 'hook', '--name', 'smoke', '--node', 'node-2', '--run-dir', runDir]);
    await exec(process.execPath, [bin, 'local', 'node-stop', 'node-3', '--run-dir', runDir]);
    const afterFault = (await (await fetch(`${up.endpoints.fleet}/nodes`)).json()) as { id: string; online: boolean }[];
    expect(afterFault.find((n) => n.id === 'node-3')!.online).toBe(false);
    await expect(exec(process.execPath, [bin, 'local', 'node-stop', 'node-9', '--run-dir', runDir])).rejects.toMatchObject({ code: 2 });
    const hook = await fetch(`${up.endpoints.fleet}/operations`, { method: 'POST', body: JSON.stringify({ node: 'node-2', op: 'hook', name: 'smoke' }) });
    expect(hook.status).toBe(500);
    await exec(process.execPath, [bin, 'local', 'down', '--run-dir', runDir], { timeout: 60_000 });
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(await Promise.all(Object.values(up.endpoints as Record<string, string>).map(isListening))).toEqual([false, false, false, false, false]);
  });
});
