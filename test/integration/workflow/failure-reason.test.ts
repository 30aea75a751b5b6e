import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../src/aws/store/lock-store';
import { PlanStore } from '../../../src/aws/store/plan-store';
import { UpdateStore } from '../../../src/aws/store/update-store';
import { buildUpdateView } from '../../../src/cli/status/update-view';
import { statusJson } from '../../../src/cli/status/status-json';
import { planUpdate } from '../../../src/core/plan/plan-update';
import type { Plan } from '../../../src/core/plan/types';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { startLocalTable, type LocalTable } from '../aws/store/local-table';
import { exampleInventory, exampleManifest } from './workflow-harness';

/**
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: a Distributed Map fails
 * once its child executions exceed the tolerated failure threshold (0 by default), and the Map — hence the
 * Parallel `Rollout` that catches it — fails with `States.ExceedToleratedFailureThreshold`, not with the
 * child's error. The wave (RunWave, in the child) stores its reason first, so RecordFailure can record it.
 *
 * The handlers run as Lambda runs them (through the task handler, with the stores it fences), against a real
 * DynamoDB Local table; the Step Functions part is played by the test: it feeds RecordFailure what the Catch
 * on `Rollout` would give it.
 */
describe('the real reason of a failed wave reaches the update record', () => {
  let table: LocalTable;
  let updates: UpdateStore;
  let checkpoints: CheckpointStore;
  let locks: LockStore;
  let runWave: (event: object) => Promise<unknown>;
  let recordFailure: (event: object) => Promise<{ error: string; cause: string }>;

  beforeAll(async () => {
    table = await startLocalTable();
    updates = new UpdateStore(table);
    checkpoints = new CheckpointStore(table);
    locks = new LockStore(table);
  });
  afterAll(async () => table?.stop());
  beforeEach(async () => {
    vi.stubEnv('TABLE_NAME', table.tableName);
    vi.stubEnv('DOCUMENT_NAME', 'unused-no-command-is-sent');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', table.endpoint);
    vi.stubEnv('AWS_REGION', LOCAL_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    runWave = (await import('../../../lambdas/run-wave')).handler as typeof runWave;
    recordFailure = (await import('../../../lambdas/record-outcome')).handler as typeof recordFailure;
  });

  /** An update of `cluster` past its hand-over whose wave 0 failed on its first node (as RunWave records it). */
  async function failedFirstWave(cluster: string, updateId: string, owner: string): Promise<{ plan: Plan; identity: { updateId: string; cluster: string; owner: string; fence: number } }> {
    const manifest = { ...exampleManifest(), cluster };
    const plan = planUpdate(manifest, exampleInventory());
    await updates.create({ updateId, manifest, manifestHash: `hash-${updateId}`, skipChecks: [] });
    const { fence } = await locks.acquire({ cluster, updateId, owner, leaseSeconds: 600 });
    await new PlanStore(table).save(updateId, plan);
    const guard = { cluster, owner, fence };
    const node = plan.waves[0]![0]!;
    for (const step of ['platform-config', 'node']) {
      const key = { updateId, phase: 'wave' as const, target: node, step };
      await checkpoints.begin(key, guard);
      await checkpoints.fail(key, guard, { error: `platform config on ${node}: Failed, exit 1: config template error` });
    }
    return { plan, identity: { updateId, cluster, owner, fence } };
  }

  it('RecordFailure given States.ExceedToleratedFailureThreshold records TooManyFailedNodes and the failed node, and status --json shows it', async () => {
    const { plan, identity } = await failedFirstWave('reason-a', 'update-a', 'arn:exec:a');
    const failedNode = plan.waves[0]![0]!;
    // The next wave's child execution: the failure budget is spent, so it throws (storing why) without touching a node.
    await expect(runWave({ ...identity, redriveCount: 0, wave: 1 })).rejects.toMatchObject({ name: 'TooManyFailedNodesError' });

    const answer = await recordFailure({ ...identity, redriveCount: 0, error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' });

    expect(answer.error).toBe('TooManyFailedNodesError');
    expect(answer.cause).toContain(`(${failedNode})`);
    const record = (await updates.get('update-a'))!;
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatch(/^TooManyFailedNodesError: 1 node\(s\) failed/);
    expect(record.error).toContain(`${failedNode}: platform config on ${failedNode}: Failed, exit 1: config template error`);
    const json = statusJson(buildUpdateView({ record, plan, checkpoints: await checkpoints.query('update-a') }, new Date()));
    expect(json.status).toBe('FAILED');
    expect(json.error).toBe(record.error);
    expect(json.error).not.toContain('States.ExceedToleratedFailureThreshold');
  });

  it('keeps an error that is not a generic Step Functions one, even when the wave stored a reason', async () => {
    const { identity } = await failedFirstWave('reason-b', 'update-b', 'arn:exec:b');
    await expect(runWave({ ...identity, redriveCount: 0, wave: 1 })).rejects.toMatchObject({ name: 'TooManyFailedNodesError' });

    const answer = await recordFailure({ ...identity, redriveCount: 0, error: 'UpdatePartiallyFailed', cause: 'failed: search' });

    expect(answer).toEqual({ error: 'UpdatePartiallyFailed', cause: 'failed: search' });
    expect((await updates.get('update-b'))!.error).toBe('UpdatePartiallyFailed: failed: search');
  });

  it('a reason stored by an earlier run does not leak into a later failure of another kind', async () => {
    const { identity } = await failedFirstWave('reason-c', 'update-c', 'arn:exec:c');
    await expect(runWave({ ...identity, redriveCount: 0, wave: 1 })).rejects.toMatchObject({ name: 'TooManyFailedNodesError' });
    await recordFailure({ ...identity, redriveCount: 0, error: 'States.ExceedToleratedFailureThreshold', cause: 'threshold' }); // parks the lock
    // `resume`: a new execution takes over the parked lock (a new fence) and fails elsewhere with a generic error.
    const resumed = { ...identity, owner: 'arn:exec:c-r1' };
    const { fence } = await locks.acquire({ cluster: resumed.cluster, updateId: resumed.updateId, owner: resumed.owner, leaseSeconds: 600 });

    const answer = await recordFailure({ ...resumed, fence, redriveCount: 0, error: 'States.Timeout', cause: 'the service branch timed out' });

    expect(answer.error).toBe('States.Timeout');
    expect((await updates.get('update-c'))!.error).toBe('States.Timeout: the service branch timed out');
  });
});
