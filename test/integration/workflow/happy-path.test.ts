import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSlots } from '../../../src/aws/store/node-slots';
import { AvailabilityProber } from '../../../src/local/fleet/availability-prober';
import { WorkflowHarness } from './workflow-harness';

describe('a full update of the example cluster on the real synthesized state machine', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    harness = await WorkflowHarness.start();
  });
  afterAll(async () => harness?.stop());

  it('updates every node and service to the new release without a replicated service ever dropping below minHealthy', async () => {
    const thresholds = Object.fromEntries(harness.manifest.services.filter((s) => !s.oneOff && s.minHealthy >= 1).map((s) => [s.name, s.minHealthy]));
    const prober = new AvailabilityProber({ fleet: harness.fleet, thresholds, intervalMs: 50 });
    prober.start();
    const started = await harness.start();
    const execution = await harness.finished(started.executionArn);
    const availability = await prober.stop();

    expect(execution.status, await harness.explain(started.updateId, execution)).toBe('SUCCEEDED');
    expect(availability.samples).toBeGreaterThan(20);
    expect(availability.violations).toEqual({});
    for (const [service, minimum] of Object.entries(thresholds)) expect(availability.minimumAvailable[service]).toBeGreaterThanOrEqual(minimum);

    const nodes = await harness.fleet.status();
    expect(nodes.map((n) => [n.id, n.release, n.agentRelease, n.drained])).toEqual(nodes.map((n) => [n.id, '7.2.0', '7.2.0', false]));
    expect(nodes.flatMap((n) => n.services).every((s) => s.release === '7.2.0' && s.healthy)).toBe(true);
    expect(nodes.find((n) => n.id === 'node-1')!.oneOffs).toEqual({ 'metadata-migrate-7-2': '7.2.0', 'search-index-migrate-7-2': '7.2.0' });

    const record = await harness.updates.require(started.updateId);
    expect(record).toMatchObject({ status: 'SUCCEEDED', owner: { node: 'node-1', agentRelease: '7.2.0' } });
    expect((await harness.locks.get('analytics-prod'))!.state).toBe('FREE');
    const checkpoints = await harness.checkpoints.query(started.updateId);
    expect(checkpoints.filter((c) => c.status !== 'SUCCEEDED')).toEqual([]);
    expect(checkpoints.filter((c) => c.phase === 'service' && c.step === 'service')).toHaveLength(14);
    // Nothing is left held: no node mutex, no outage slot entry (read from the items themselves).
    const slots = new NodeSlots({ documents: harness.clients.documents, tableName: harness.runtime.tableName });
    expect(await slots.held(started.updateId, harness.manifest.services.map((s) => s.name))).toEqual(new Map());
    for (const node of nodes) expect(await slots.mutex('analytics-prod', node.id), node.id).toBeUndefined();
  });

  it('runs each platform step once per node and each one-off once', () => {
    for (const node of ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6']) {
      for (const step of ['system-packages', 'config', 'python-packages', 'node-agent']) expect(harness.count('platform-install', step, node), `${step} on ${node}`).toBe(1);
    }
    expect(harness.count('oneoff-run', 'metadata-migrate-7-2')).toBe(1);
    expect(harness.count('oneoff-run', 'search-index-migrate-7-2')).toBe(1);
  });

  it('keeps the execution history small and reports state transitions (counts the benchmark extrapolates)', async () => {
    const [execution] = (await harness.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: harness.runtime.stateMachineArn }))).executions!;
    const stats = harness.runtime.stepFunctions.statistics(execution!.executionArn!);
    // The rollout is one task in a poll loop: no child execution, a few events per invocation of it.
    expect(stats.childExecutions).toBe(0);
    expect(stats.historyEvents).toBeLessThan(2000);
  });
});
