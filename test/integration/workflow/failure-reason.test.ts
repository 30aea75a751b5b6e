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
 * The rollout runs in the parent execution (no Map state), so the Catch on `Rollout` hands RecordFailure the
 * task's own error. This follows it from the task to the update record and to `status --json`: the rollout
 * task, finding more failed nodes than maxFailedNodes allows, takes no node out and fails naming the node and
 * its error; RecordFailure records exactly that.
 *
 * The handlers run as Lambda runs them (through the task handler, with the stores it fences), against a real
 * DynamoDB Local table; the Step Functions part is played by the test: it feeds RecordFailure what the Catch
 * on `Rollout` would give it.
 */
describe('the real reason of a failed rollout reaches the update record', () => {
  let table: LocalTable;
  let updates: UpdateStore;
  let checkpoints: CheckpointStore;
  let locks: LockStore;
  let runRollout: (event: object) => Promise<unknown>;
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
    runRollout = (await import('../../../lambdas/run-rollout')).handler as typeof runRollout;
    recordFailure = (await import('../../../lambdas/record-outcome')).handler as typeof recordFailure;
  });

  /** An update of `cluster` past its hand-over whose first wave node failed (as the rollout records it). */
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

  it('the rollout fails with TooManyFailedNodes naming the node and its error, touching no other node; RecordFailure records it, and status --json shows it', async () => {
    const { plan, identity } = await failedFirstWave('reason-a', 'update-a', 'arn:exec:a');
    const failedNode = plan.waves[0]![0]!;
    const thrown = await runRollout({ ...identity, redriveCount: 0 }).then(() => undefined, (error: unknown) => error as Error);
    expect(thrown).toMatchObject({ name: 'TooManyFailedNodesError' });
    // The failure budget was spent before the task started: no other node was claimed.
    expect((await checkpoints.query('update-a', { phase: 'wave' })).map((c) => c.target)).toEqual([failedNode, failedNode]);

    const answer = await recordFailure({ ...identity, redriveCount: 0, error: thrown!.name, cause: JSON.stringify({ errorType: thrown!.name, errorMessage: thrown!.message }) });

    expect(answer.error).toBe('TooManyFailedNodesError');
    expect(answer.cause).toContain(`(${failedNode})`);
    const record = (await updates.get('update-a'))!;
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatch(/^TooManyFailedNodesError: 1 node\(s\) failed/);
    expect(record.error).toContain(`${failedNode}: platform config on ${failedNode}: Failed, exit 1: config template error`);
    const json = statusJson(buildUpdateView({ record, plan, checkpoints: await checkpoints.query('update-a') }, new Date()));
    expect(json.status).toBe('FAILED');
    expect(json.error).toBe(record.error);
    expect((await updates.get('update-a'))!.status).toBe('FAILED');
    expect((await locks.get('reason-a'))!.state).toBe('PARKED');
  });
});
