import { GetExecutionHistoryCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { ListCommandInvocationsCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planHash } from '../../../src/core/plan/plan-hash';
import { smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

describe('crash mid-step and concurrent starts', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // The canary task dies right after storing the config step's command id, and a wave task right after sending
    // its config command and before storing the command id (so its retry sends it again).
    harness = await WorkflowHarness.start({
      manifest: smallManifest(),
      inventory: smallInventory(),
      handlerEnvironment: { CLUSTER_UPDATE_FAULT_CRASH: 'after-checkpoint:canary:node-1:platform-config:attach-command,after-send:wave:node-2:platform-config' },
    });
  });
  afterAll(async () => harness?.stop());

  it("a task that crashes between SendCommand and its checkpoint is run again by the state's Retry (Lambda.Unknown): it re-attaches or re-sends, and the step runs once", async () => {
    const started = await harness.start({ updateId: 'crash-test' });
    const finished = await harness.finished(started.executionArn);
    expect(finished.status, `${finished.error}: ${finished.cause}`).toBe('SUCCEEDED');
    const history = await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }));
    // Both crashes, in the execution's own history (the rollout runs in it, not in Map children).
    const crashes = (history.events ?? []).map((e) => e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails).filter((d) => d?.error === 'Lambda.Unknown');
    expect(crashes.map((d) => d?.cause)).toEqual([
      expect.stringContaining('simulated crash at after-checkpoint:canary:node-1:platform-config:attach-command'),
      expect.stringContaining('simulated crash at after-send:wave:node-2:platform-config'),
    ]);
    // The canary's retry re-attached to its stored command: sent once. The wave's retry sent its command again.
    expect(await harness.checkpoints.get({ updateId: 'crash-test', phase: 'canary', target: 'node-1', step: 'platform-config' })).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const sent = await harness.clients.ssm.send(new ListCommandInvocationsCommand({ InstanceId: 'node-2', MaxResults: 50 }));
    expect((sent.CommandInvocations ?? []).filter((i) => i.Comment === 'crash-test platform config')).toHaveLength(2);
    for (const node of harness.fleet.nodeIds) expect(harness.count('platform-install', 'config', node), node).toBe(1);
  });

  it('20 concurrent starts for one cluster: exactly one holds the lock, the others fail fast naming the holder', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);
    const manifest = { ...harness.manifest, release: '7.3.0', previous: '7.2.0' };
    await Promise.all(ids.map((updateId) => harness.updates.create({ updateId, manifest, manifestHash: planHash(manifest), skipChecks: [] })));
    const began = Date.now();
    const arns = await Promise.all(
      ids.map(async (updateId) => (await harness.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: harness.runtime.stateMachineArn, name: updateId, input: JSON.stringify({ updateId, cluster: harness.manifest.cluster, skipChecks: [] }) }))).executionArn!),
    );
    const lock = await (async () => {
      for (;;) {
        const item = await harness.locks.get(harness.manifest.cluster);
        if (item && item.state === 'ACTIVE' && ids.includes(item.updateId)) return item;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const losers = arns.filter((arn) => !arn.endsWith(`:${lock.updateId}`));
    const outcomes = await Promise.all(losers.map((arn) => harness.finished(arn)));
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(outcomes).toHaveLength(19);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('FAILED');
      expect(outcome.error).toBe('LockHeldError');
      expect(outcome.cause).toContain(`held by update ${lock.updateId}`);
    }
    // The losers' records say why; the holder is untouched.
    expect((await harness.updates.require(losers[0]!.split(':').pop()!)).error).toContain('LockHeldError');
    expect((await harness.locks.get(harness.manifest.cluster))!.updateId).toBe(lock.updateId);
    await harness.clients.sfn.send(new StopExecutionCommand({ executionArn: arns.find((arn) => arn.endsWith(`:${lock.updateId}`))! }));
  });
});
