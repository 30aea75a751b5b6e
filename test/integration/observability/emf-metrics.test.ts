import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_STEPS, smallInventory, smallManifest } from '../workflow/small-cluster';
import { WorkflowHarness } from '../workflow/workflow-harness';

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/**
 * The real handlers, run by the local runtime with metrics switched back on:
 * what a deployed stack would write to CloudWatch when an update succeeds. On the small cluster with the
 * example's platform steps and hooks: every phase of an update, in a third of the example's time.
 */
describe('EMF metrics of a full update', () => {
  let harness: WorkflowHarness;
  const lines: EmfLine[] = [];
  beforeAll(async () => {
    // POWERTOOLS_DEV sends Powertools' output through the global console, where the test collects the EMF lines.
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.includes('"_aws"')) lines.push(JSON.parse(line) as EmfLine);
    });
    harness = await WorkflowHarness.start({ manifest: smallManifest(EXAMPLE_STEPS), inventory: smallInventory(), handlerEnvironment: { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true' } });
  });
  afterAll(async () => {
    await harness?.stop();
    vi.restoreAllMocks();
  });

  it('counts the update, its nodes and services, and times its phases, per cluster and across clusters', async () => {
    const started = await harness.start();
    const execution = await harness.finished(started.executionArn);
    expect(execution.status, await harness.explain(started.updateId, execution)).toBe('SUCCEEDED');

    expect(lines.every((l) => l._aws.CloudWatchMetrics[0]!.Namespace === 'ClusterUpdate' && l.updateId === started.updateId && l.service === 'cluster-update')).toBe(true);
    const counts = lines.filter((l) => l.UpdatesSucceeded !== undefined);
    expect(counts).toHaveLength(1);
    expect(counts[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'cluster'], ['service']]);
    const nodes = (await harness.fleet.status()).length;
    expect(counts[0]).toMatchObject({ cluster: 'small', UpdatesSucceeded: 1, NodesUpdated: nodes, NodesFailed: 0, NodesSkipped: 0, ServicesUpdated: harness.manifest.services.length, ServicesFailed: 0, ServicesSkipped: 0 });

    const durations = lines.filter((l) => l.PhaseDuration !== undefined && l.cluster === 'small');
    expect(durations.map((d) => d.phase)).toEqual(expect.arrayContaining(['canary', 'wave', 'service']));
    for (const d of durations) expect(d.PhaseDuration, String(d.phase)).toBeGreaterThan(0);
    // Nothing else counted on a clean run: no lock held, no canary failure, no failed or stopped update.
    expect(lines.some((l) => l.LockHeld !== undefined || l.CanaryFailed !== undefined || l.UpdatesFailed !== undefined || l.UpdatesStopped !== undefined)).toBe(false);
  });
});
