import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendCommandCommand, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRunner } from '../../../src/aws/commands/command-runner';
import { createAwsClients, type AwsClients } from '../../../src/aws/clients';
import { CheckpointStore } from '../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../src/aws/store/lock-store';
import { NodeSlots } from '../../../src/aws/store/node-slots';
import { PlanStore } from '../../../src/aws/store/plan-store';
import { UpdateStore } from '../../../src/aws/store/update-store';
import { parseExecutionLog } from '../../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES, stepRunnerParameters } from '../../../src/core/step-runner/step-runner-contract';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';
import { localTemplate } from '../../fixtures/local-template';
import { commandDocuments } from '../../../src/local/template/command-documents';
import { runStepOnNodes } from '../../../src/workflow/run-step-on-nodes';
import type { TaskInput, WorkflowContext } from '../../../src/workflow/workflow-context';
import { startLocalTable, type LocalTable } from '../aws/store/local-table';

// Each ledgered step runs once per node, whatever happens to the commands that carry it. Executions are
// counted on the node itself: the step runner's execution log (one line per real execution), and the
// manifest command's own side effect (a line it appends), never the ledger.
describe('each step runs exactly once per node', () => {
  let scratch: string;
  let table: LocalTable;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let clients: AwsClients;
  let documentName: string;
  let locks: LockStore;
  const nodes = Array.from({ length: 101 }, (_, i) => `node-${i + 1}`); // three SendCommand batches: 50, 50, 1

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-once-'));
    table = await startLocalTable();
    fleet = await SimulatedFleet.start({ runDirectory: scratch, cluster: 'once', release: '1.0.0', platformSteps: ['config'], nodes: nodes.map((id) => ({ id, services: [] })), serviceProcesses: false });
    const [document] = commandDocuments(localTemplate());
    documentName = document!.name;
    ssm = await SsmEmulator.start({ fleet, documents: { [documentName]: document!.content } });
    clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: table.endpoint, ssm: ssm.endpoint } });
    locks = new LockStore(table);
  });
  afterAll(async () => {
    clients?.destroy();
    await ssm?.stop();
    await fleet?.stop();
    await table?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A workflow context over the real stores and the real emulator, with the SSM client given. */
  const contextWith = (ssmClient: SSMClient): WorkflowContext => {
    const store = { documents: table.documents, tableName: table.tableName };
    return {
      clients,
      locks,
      updates: new UpdateStore(store),
      plans: new PlanStore(store),
      checkpoints: new CheckpointStore(store),
      slots: new NodeSlots(store),
      commands: new CommandRunner({ ssm: ssmClient, documentName }),
      settings: { pollBudgetMs: 30_000, pollIntervalMs: 100, leaseSeconds: 60, documentName },
    };
  };
  const holding = async (updateId: string): Promise<TaskInput> => {
    const grant = await locks.acquire({ cluster: `once-${updateId}`, updateId, owner: `arn:exec:${updateId}`, leaseSeconds: 60 });
    return { updateId, cluster: `once-${updateId}`, owner: `arn:exec:${updateId}`, fence: grant.fence };
  };
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  /** Real executions of a step on a node, from the step runner's execution log (a start and an end record each). */
  const executions = (node: string, updateId: string, step: string) =>
    parseExecutionLog(lines(join(fleet.node(node).root, STEP_RUNNER_FILES.executionLog)).join('\n')).filter((e) => e.updateId === updateId && e.step === step).length;
  /** What the manifest's command itself saw: one line per time it ran. */
  const sideEffects = (node: string, file: string) => lines(join(fleet.node(node).root, file)).length;
  const keyFor = (updateId: string, step: string) => (node: string) => ({ updateId, phase: 'wave' as const, target: node, step });

  it('a throttled SendCommand on batch 2 of 3: the retry re-attaches to batch 1 and sends the rest; every node runs the step once', async () => {
    let sendCommands = 0;
    const throttling = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    // The throttle as SSM answers when the account's SendCommand rate is exceeded, after the SDK's own retries
    // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html, ThrottlingException).
    throttling.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendCommandCommand' && ++sendCommands === 2) throw new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
        return next(args);
      },
      { step: 'initialize', name: 'throttleSecondSendCommand' },
    );
    const input = await holding('throttled');
    const context = contextWith(throttling);
    const run = { nodes, keyFor: keyFor('throttled', 'platform-config'), command: { kind: 'platform' as const, step: 'config', script: 'echo ran >> ran-config; sleep 2', timeoutSeconds: 60 }, release: '2.0.0' };
    // The first invocation fails on batch 2 (the task is retried by Step Functions on ThrottlingException) ...
    await expect(runStepOnNodes(context, input, run, Date.now() + 30_000)).rejects.toBeInstanceOf(ThrottlingException);
    // ... and its retry, while batch 1 still runs on its nodes, must not send batch 1 again.
    const outcome = await runStepOnNodes(context, input, run, Date.now() + 60_000);
    throttling.destroy();
    expect(outcome.failed).toEqual([]);
    expect(outcome.succeeded.length + outcome.pending.length).toBe(101);
    const final = outcome.pending.length > 0 ? await runStepOnNodes(context, input, run, Date.now() + 60_000) : outcome;
    expect(final.succeeded).toHaveLength(101);
    expect(sendCommands).toBe(4); // batch 1, the throttled batch 2, then batches 2 and 3
    for (const node of nodes) {
      expect(executions(node, 'throttled', 'config'), node).toBe(1);
      expect(sideEffects(node, 'ran-config'), node).toBe(1);
    }
  });

  it('a crash between batches 1 and 2 (and one after sending batch 3, before storing it): each rerun re-attaches to what was stored, sends the rest; every node runs the step once', async () => {
    const env = { CLUSTER_UPDATE_LOCAL: '1', CLUSTER_UPDATE_FAULT_CRASH: 'between-batches:wave,after-send:wave:node-101' };
    let sendCommands = 0;
    const counting = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendCommandCommand') sendCommands += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countSendCommand' },
    );
    const input = await holding('crashed-between');
    const context = contextWith(counting);
    const run = { nodes, keyFor: keyFor('crashed-between', 'platform-config'), command: { kind: 'platform' as const, step: 'config', script: 'echo ran >> ran-config-after-crash; sleep 2', timeoutSeconds: 60 }, release: '2.0.0' };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      await expect(runStepOnNodes(context, input, run, Date.now() + 30_000)).rejects.toThrow(/simulated crash at between-batches:wave:node-51:platform-config/);
      await expect(runStepOnNodes(context, input, run, Date.now() + 30_000)).rejects.toThrow(/simulated crash at after-send:wave:node-101:platform-config/);
      let outcome = await runStepOnNodes(context, input, run, Date.now() + 60_000);
      while (outcome.pending.length > 0) outcome = await runStepOnNodes(context, input, run, Date.now() + 60_000);
      expect(outcome.failed).toEqual([]);
      expect(outcome.succeeded).toHaveLength(101);
    } finally {
      process.env = saved;
      counting.destroy();
    }
    expect(sendCommands).toBe(4); // batch 1; batches 2 and 3 (3 unstored); batch 3 again
    for (const node of nodes) {
      expect(executions(node, 'crashed-between', 'config'), node).toBe(1);
      expect(sideEffects(node, 'ran-config-after-crash'), node).toBe(1);
    }
  });

  it('two copies of one command delivered at once: the second waits for the first, then finds it done', async () => {
    const runner = new CommandRunner({ ssm: clients.ssm, documentName });
    const parameters = stepRunnerParameters({ updateId: 'duplicated', kind: 'oneoff', step: 'migrate', release: '2.0.0', script: 'echo ran >> ran-migrate; sleep 1', timeoutSeconds: 60 });
    // Straight through the real SDK client, as SSM would deliver a command twice (at-least-once delivery).
    const sendOnce = async () => (await clients.ssm.send(new SendCommandCommand({ DocumentName: documentName, InstanceIds: ['node-1'], Parameters: parameters }))).Command!.CommandId!;
    const ids = await Promise.all([sendOnce(), sendOnce()]);
    const results = await runner.waitFor(ids, 30_000, 100);
    expect(results.map((r) => r.status)).toEqual(['Success', 'Success']);
    expect(results.some((r) => r.output.includes('cluster-update: oneoff migrate already done'))).toBe(true);
    expect(executions('node-1', 'duplicated', 'migrate')).toBe(1);
    expect(sideEffects('node-1', 'ran-migrate')).toBe(1);
  });

  it('a step that FAILED is not sent again while another node of its batch is still running; only a new fence (a resume) sends it again', async () => {
    const input = await holding('failed-once');
    const context = contextWith(clients.ssm);
    const script = 'echo ran >> ran-check; if [ "$CU_NODE_ID" = node-1 ]; then exit 1; fi; sleep 2';
    const run = { nodes: ['node-1', 'node-2'], keyFor: keyFor('failed-once', 'platform-check'), command: { kind: 'platform' as const, step: 'check', script, timeoutSeconds: 60 }, release: '2.0.0' };
    const first = await runStepOnNodes(context, input, run, Date.now() + 1_000);
    expect(first.failed.map((f) => f.node)).toEqual(['node-1']);
    expect(first.pending).toEqual(['node-2']);
    const second = await runStepOnNodes(context, input, run, Date.now() + 30_000);
    expect(second.failed.map((f) => f.node)).toEqual(['node-1']);
    expect(second.succeeded).toEqual(['node-2']);
    expect(sideEffects('node-1', 'ran-check')).toBe(1);
    expect(executions('node-1', 'failed-once', 'check')).toBe(1);
    // The resume (a new execution of the same update, as `resume` starts after a FAILED one) takes the parked
    // lock over with a new fence (parking advanced it once already); now the failed step is sent again.
    await locks.park(input);
    const owner = `${input.owner}-r1`;
    const resumed = await locks.acquire({ cluster: input.cluster, updateId: input.updateId, owner, leaseSeconds: 60 });
    expect(resumed.fence).toBeGreaterThan(input.fence + 1);
    const third = await runStepOnNodes(context, { ...input, owner, fence: resumed.fence }, run, Date.now() + 30_000);
    expect(third.failed.map((f) => f.node)).toEqual(['node-1']);
    expect(executions('node-1', 'failed-once', 'check')).toBe(2);
    expect(executions('node-2', 'failed-once', 'check')).toBe(1);
  });

  it('mayBegin refusing: a step not begun is neither begun nor sent, one begun before a crash is sent again; onFailed hears of a failure before its record', async () => {
    const input = await holding('may-begin');
    const context = contextWith(clients.ssm);
    const key = keyFor('may-begin', 'drain');
    // node-3's drain was begun by an earlier invocation that crashed before storing its command id.
    await context.checkpoints.begin(key('node-3'), { cluster: input.cluster, owner: input.owner, fence: input.fence });
    const script = 'echo ran >> ran-drain; if [ "$CU_NODE_ID" = node-3 ]; then exit 1; fi';
    // The order of two events: onFailed called, and the FAILED checkpoint write begun.
    const order: string[] = [];
    const checkpoints = Object.create(context.checkpoints) as CheckpointStore;
    checkpoints.fail = (...args: Parameters<CheckpointStore['fail']>) => (order.push(`write FAILED ${args[0].target}`), context.checkpoints.fail(...args));
    const run = {
      nodes: ['node-1', 'node-2', 'node-3'],
      keyFor: key,
      command: { kind: 'drain' as const, step: 'drain', script, timeoutSeconds: 60 },
      release: '2.0.0',
      mayBegin: () => false,
      onFailed: (node: string) => void order.push(`told ${node}`),
    };
    const outcome = await runStepOnNodes({ ...context, checkpoints }, input, run, Date.now() + 30_000);
    expect(outcome.notBegun).toEqual(['node-1', 'node-2']);
    expect(outcome.failed.map((f) => f.node)).toEqual(['node-3']);
    for (const node of ['node-1', 'node-2']) {
      expect(await context.checkpoints.get(key(node)), node).toBeUndefined();
      expect(sideEffects(node, 'ran-drain'), node).toBe(0);
    }
    expect(sideEffects('node-3', 'ran-drain')).toBe(1);
    // Told before the record is written: the scheduler knows no later than the checkpoint says FAILED.
    expect(order).toEqual(['told node-3', 'write FAILED node-3']);
    expect(await context.checkpoints.get(key('node-3'))).toMatchObject({ status: 'FAILED' });
  });
});
