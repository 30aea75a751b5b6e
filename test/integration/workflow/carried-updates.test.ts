import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceGraph } from '../../../src/core/dag/service-graph';
import { parseExecutionLog, type StepExecution } from '../../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES } from '../../../src/core/step-runner/step-runner-contract';
import { WorkflowHarness } from './workflow-harness';

// Issue #15: every replica used to be taken out twice — once by its node's platform wave, once more by its
// service's update — and a service waited for its whole DAG level. Now one scheduler decides both: a node's
// platform outage carries the updates of its services that are ready by then, and a service starts as soon as its
// own dependencies are done. Read from the nodes' own execution logs, not from the workflow's records.
describe('platform outages carry the updates of their ready services, in DAG order across the cluster', () => {
  let harness: WorkflowHarness;
  let updateId: string;
  const logs = new Map<string, StepExecution[]>();
  beforeAll(async () => {
    harness = await WorkflowHarness.start();
    const started = await harness.start();
    const finished = await harness.finished(started.executionArn);
    expect(finished.status, await harness.explain(started.updateId, finished)).toBe('SUCCEEDED');
    updateId = started.updateId;
    for (const node of harness.fleet.nodeIds) {
      logs.set(node, parseExecutionLog(readFileSync(join(harness.fleet.node(node).root, STEP_RUNNER_FILES.executionLog), 'utf8')).filter((e) => e.updateId === updateId));
    }
  }, 300_000);
  afterAll(async () => harness?.stop());

  it('takes each node out once, and updates replicas inside those outages instead of taking them out again', () => {
    let carried = 0;
    let outside = 0;
    for (const [node, executions] of logs) {
      const drains = executions.filter((e) => e.kind === 'drain');
      expect(drains, node).toHaveLength(1);
      const drainEnd = drains[0]!.endedAt!;
      const rejoinStart = executions.find((e) => e.kind === 'rejoin')!.startedAt;
      for (const update of executions.filter((e) => e.kind === 'service')) {
        if (update.startedAt > drainEnd && update.endedAt! < rejoinStart) carried += 1;
        else outside += 1;
      }
    }
    // The canary's own services are updated inside its outage by design; the rest of the cluster's too, when ready.
    const canaryServices = logs.get(harness.fleet.nodeIds[0]!)!.filter((e) => e.kind === 'service').length;
    expect(carried, `${carried} replica updates inside an outage, ${outside} outside`).toBeGreaterThan(canaryServices);
  });

  it('never starts a service on any node before every replica of each of its dependencies was updated and every one-off it needs ran', () => {
    const graph = buildServiceGraph(harness.manifest.services);
    const all = [...logs].flatMap(([node, executions]) => executions.filter((e) => e.kind === 'service' || e.kind === 'oneoff').map((e) => ({ node, ...e })));
    const lastEnd = new Map<string, string>();
    for (const e of all) if (!lastEnd.has(e.step) || e.endedAt! > lastEnd.get(e.step)!) lastEnd.set(e.step, e.endedAt!);
    for (const e of all) {
      // The canary validates the new release against the cluster as it is: its services do not wait (DESIGN §4).
      if (e.node === harness.fleet.nodeIds[0]) continue;
      for (const dependency of graph.dependencies.get(e.step) ?? []) {
        expect(lastEnd.get(dependency)! < e.startedAt, `${e.step} on ${e.node} started at ${e.startedAt}, ${dependency} last ended at ${lastEnd.get(dependency)}`).toBe(true);
      }
    }
  });
});
