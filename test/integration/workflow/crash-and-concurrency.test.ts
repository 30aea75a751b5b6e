import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeUpdate } from '../../../src/cli/operations/resume-update';
import { planHash } from '../../../src/core/plan/plan-hash';
import { WorkflowHarness } from './workflow-harness';

describe('crash mid-step and concurrent starts', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // The canary task dies right after sending the config step and storing its command id.
    harness = await WorkflowHarness.start({ handlerEnvironment: { CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND: 'canary:node-1:platform-config' } });
  });
  afterAll(async () => harness?.stop());

  it('a task that crashes after SendCommand and before its checkpoint is re-attached on resume; the step ran once', async () => {
    const started = await harness.start({ updateId: 'crash-test' });
    const failed = await harness.finished(started.executionArn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'SimulatedCrashError' });
    const checkpoint = await harness.checkpoints.get({ updateId: 'crash-test', phase: 'canary', target: 'node-1', step: 'platform-config' });
    expect(checkpoint).toMatchObject({ status: 'RUNNING' });
    expect(checkpoint!.commandId).toBeTruthy();

    // As on AWS, a redrive of an execution that went through RecordFailure continues at its Fail state and fails
    // again at once, touching nothing; that is why `resume` starts a new execution for a FAILED one.
    const operations = harness.fleet.operations().length;
    const redriven = await harness.redrive(started.executionArn);
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'SimulatedCrashError', redriveCount: 1 });
    expect(harness.fleet.operations().length).toBe(operations);
    const resumedUpdate = await resumeUpdate(harness.target, { updateId: 'crash-test' });
    expect(resumedUpdate.how).toBe('new-execution');
    const resumed = await harness.finished(resumedUpdate.executionArn);
    expect(resumed.status, `${resumed.error}: ${resumed.cause}`).toBe('SUCCEEDED');
    expect(await harness.checkpoints.get({ updateId: 'crash-test', phase: 'canary', target: 'node-1', step: 'platform-config' })).toMatchObject({ status: 'SUCCEEDED', commandId: checkpoint!.commandId, attempts: 1 });
    for (const node of harness.fleet.nodeIds) expect(harness.count('platform-install', 'config', node), node).toBe(1);
  });

  it('20 concurrent starts for one cluster: exactly one holds the lock, the others fail fast naming the holder', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);
    const manifest = { ...harness.manifest, release: '7.3.0', previous: '7.2.0' };
    await Promise.all(ids.map((updateId) => harness.updates.create({ updateId, manifest, manifestHash: planHash(manifest), skipChecks: [] })));
    const began = Date.now();
    const arns = await Promise.all(
      ids.map(async (updateId) => (await harness.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: harness.runtime.stateMachineArn, name: updateId, input: JSON.stringify({ updateId, cluster: 'analytics-prod', skipChecks: [] }) }))).executionArn!),
    );
    const lock = await (async () => {
      for (;;) {
        const item = await harness.locks.get('analytics-prod');
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
    expect((await harness.locks.get('analytics-prod'))!.updateId).toBe(lock.updateId);
    await harness.clients.sfn.send(new StopExecutionCommand({ executionArn: arns.find((arn) => arn.endsWith(`:${lock.updateId}`))! }));
  });
});
