import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExecutionLog, type StepExecution } from '../../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES } from '../../../src/core/step-runner/step-runner-contract';
import { EXAMPLE_STEPS, smallInventory, smallManifest, smallPolicy } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

// Issue #15: a wave whose node is busy used to split, running its free nodes first and the busy one only after
// they had all finished. Now each node starts as soon as it is claimed, next to those already under way.
describe('a platform wave with one node busy when it starts', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    // The small cluster with the example's platform steps, two nodes a wave: node-2 and node-3 after the canary.
    harness = await WorkflowHarness.start({ manifest: smallManifest({ ...EXAMPLE_STEPS, policy: smallPolicy({ maxInFlight: 2 }) }), inventory: smallInventory() });
  }, 300_000);
  afterAll(async () => harness?.stop());

  const executions = (node: string, updateId: string): StepExecution[] =>
    parseExecutionLog(readFileSync(join(harness.fleet.node(node).root, STEP_RUNNER_FILES.executionLog), 'utf8')).filter((e) => e.updateId === updateId);
  const startOf = (node: string, updateId: string, kind: string) => executions(node, updateId).find((e) => e.kind === kind)?.startedAt;

  it('takes the busy node out once it is free, while its free neighbour is still under way', async () => {
    const cluster = harness.manifest.cluster;
    // node-3 shares the first wave with node-2. Another actor holds node-3 (a mutex of a newer fence, as a
    // superseding update's would be) until node-2 has been drained; node-2's config step takes 20 s more. Once
    // free, node-3 is also wanted by the update of its service: the wave gets it when its turn comes.
    const mutex = { pk: `MUTEX#${cluster}#node-3`, sk: 'MUTEX' };
    await harness.clients.documents.send(
      new PutCommand({ TableName: harness.runtime.tableName, Item: { ...mutex, holder: 'maintenance#test', updateId: 'another-update', fence: 1_000_000, expiresAt: Math.floor(Date.now() / 1000) + 3600 } }),
    );
    harness.fleet.injectFault({ kind: 'slow', operation: 'platform-install', name: 'config', node: 'node-2', delayMs: 20_000 });

    const started = await harness.start();
    expect(started.plan.waves[0]).toEqual(['node-2', 'node-3']);
    for (;;) {
      const drained = await harness.checkpoints.get({ updateId: started.updateId, phase: 'wave', target: 'node-2', step: 'drain' });
      if (drained?.status === 'SUCCEEDED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await harness.clients.documents.send(new DeleteCommand({ TableName: harness.runtime.tableName, Key: mutex }));

    const finished = await harness.finished(started.executionArn);
    expect(finished.status, await harness.explain(started.updateId, finished)).toBe('SUCCEEDED');
    // The nodes' own execution logs, not the workflow's records: node-3 was drained while node-2 was still under
    // way (before, node-3 could only be claimed once node-2 had passed its health check and given its claim back).
    const node3Drain = startOf('node-3', started.updateId, 'drain');
    const node2Health = executions('node-2', started.updateId).find((e) => e.kind === 'health' && e.step === 'services')?.endedAt;
    expect(node3Drain).toBeDefined();
    expect(node2Health).toBeDefined();
    expect(node3Drain! < node2Health!, `node-3 drained at ${node3Drain}, node-2's health check ended at ${node2Health}`).toBe(true);
    const fleet = new Map((await harness.fleet.status()).map((n) => [n.id, n]));
    for (const node of ['node-2', 'node-3']) expect(fleet.get(node)?.release, node).toBe('7.2.0');
  }, 300_000);
});
