import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publishTaskMetrics } from '../../../lambdas/publish-task-metrics';
import type { CheckpointRecord } from '../../../src/aws/store/checkpoint-store';

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const checkpoints: CheckpointRecord[] = [
  { updateId: 'u-7', phase: 'canary', target: 'node-0', step: 'rejoin', status: 'SUCCEEDED', fence: 1, attempts: 1, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:04.000Z' },
  { updateId: 'u-7', phase: 'service', target: 'api', step: 'service', status: 'FAILED', fence: 2, attempts: 1, startedAt: '2026-01-01T00:01:00.000Z', endedAt: '2026-01-01T00:01:30.000Z' },
];

describe('publishTaskMetrics', () => {
  let lines: EmfLine[];
  let warnings: unknown[];
  beforeEach(() => {
    // POWERTOOLS_DEV makes Powertools write through the global console, which the test reads.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    lines = [];
    warnings = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args));
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(JSON.parse(line) as EmfLine));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes the end of an update as EMF: per cluster and across clusters, the update id as metadata only', async () => {
    const load = vi.fn(async () => checkpoints);
    await publishTaskMetrics({ task: 'record-outcome', outcome: { ok: true, output: { error: 'UpdatePartiallyFailed', cause: 'api failed' } }, cluster: 'prod', updateId: 'u-7', loadCheckpoints: load });
    expect(load).toHaveBeenCalledWith('u-7');
    const [counts, ...durations] = lines;
    expect(warnings).toEqual([]);
    const directive = counts!._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('ClusterUpdate');
    expect(directive.Dimensions).toEqual([['service', 'cluster'], ['service']]);
    expect(directive.Metrics.map((m) => m.Name)).toEqual(['UpdatesFailed', 'NodesUpdated', 'NodesFailed', 'NodesSkipped', 'ServicesUpdated', 'ServicesFailed', 'ServicesSkipped']);
    expect(counts).toMatchObject({ service: 'cluster-update', cluster: 'prod', updateId: 'u-7', UpdatesFailed: 1, NodesUpdated: 1, ServicesFailed: 1, ServicesUpdated: 0 });
    expect(durations.map((d) => [d._aws.CloudWatchMetrics[0]!.Dimensions, d.phase, d.PhaseDuration, d.updateId])).toEqual([
      [[['service', 'cluster', 'phase']], 'canary', 4_000, 'u-7'],
      [[['service', 'phase']], 'canary', 4_000, 'u-7'],
      [[['service', 'cluster', 'phase']], 'service', 30_000, 'u-7'],
      [[['service', 'phase']], 'service', 30_000, 'u-7'],
    ]);
  });

  it('writes one count and reads no checkpoints for a task that does not end the update', async () => {
    const load = vi.fn(async () => checkpoints);
    await publishTaskMetrics({ task: 'canary-step', outcome: { ok: false, errorName: 'CanaryFailedError' }, cluster: 'prod', updateId: 'u-7', loadCheckpoints: load });
    expect(load).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ CanaryFailed: 1, cluster: 'prod' });
  });

  it('writes nothing when the task counts nothing', async () => {
    await publishTaskMetrics({ task: 'run-rollout', outcome: { ok: true, output: { done: true, stopped: false } }, cluster: 'prod', updateId: 'u-7', loadCheckpoints: async () => checkpoints });
    expect(lines).toEqual([]);
  });

  it('writes nothing and reads nothing when metrics are disabled (the local runtime)', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const load = vi.fn(async () => checkpoints);
    await publishTaskMetrics({ task: 'finalize', outcome: { ok: true, output: { updated: 1 } }, cluster: 'prod', updateId: 'u-7', loadCheckpoints: load });
    expect(load).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
