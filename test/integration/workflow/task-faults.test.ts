import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_HANDLER_METADATA_KEY } from '../../../lib/private/local-handler';
import { localTemplate } from '../../fixtures/local-template';
import { EXAMPLE_STEPS, smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

/** The canary task's function timeout here: above its poll budget (20 s), below the stack's 80 s, so a Lambda timeout costs less. */
const CANARY_TIMEOUT_SECONDS = 30;

/**
 * Task faults armed at run time, as `cluster-update local fault task-crash` arms them: at the fleet controller
 * (`/task-faults`), which the handlers of the local runtime consult (src/local/faults/task-faults.ts).
 */
describe('task faults armed at run time', () => {
  let harness: WorkflowHarness;
  beforeAll(async () => {
    const template = localTemplate();
    const canary = Object.values(template.Resources ?? {}).find((r) => r.Metadata?.[LOCAL_HANDLER_METADATA_KEY] === 'lambdas/canary-step.ts')!;
    (canary.Properties as Record<string, unknown>).Timeout = CANARY_TIMEOUT_SECONDS;
    // The small cluster with the example's platform steps and hooks: a canary, a hand-over and two waves.
    harness = await WorkflowHarness.start({ template, manifest: smallManifest(EXAMPLE_STEPS), inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());

  const arm = async (match: string, kind = 'task-crash') => {
    const response = await fetch(`${harness.fleet.url}/task-faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, match }) });
    expect(response.status).toBe(200);
  };

  it("a hand-over that crashes after its transaction and a wave that crashes before SendCommand are each retried once by the state's Retry: the fence advanced once, every step ran once", async () => {
    await arm('handover-after-transaction');
    await arm('before-send:wave');
    const started = await harness.start({ updateId: 'armed-crashes' });
    const finished = await harness.finished(started.executionArn);
    expect(finished.status, await harness.explain('armed-crashes', finished)).toBe('SUCCEEDED');

    const history = await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }));
    const crashes = (history.events ?? []).map((e) => e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails).filter((d) => d?.error === 'Lambda.Unknown');
    expect(crashes.map((d) => d?.cause)).toEqual([expect.stringContaining('simulated crash at handover-after-transaction:handover:'), expect.stringContaining('simulated crash at before-send:wave:')]);
    const armed = (await (await fetch(`${harness.fleet.url}/task-faults`)).json()) as { faults: unknown[]; fired: number };
    expect(armed).toEqual({ ok: true, faults: [], fired: 2 });
    // The retried hand-over found its own transaction landed (owner.fence = its fence) and changed nothing.
    const record = await harness.updates.get('armed-crashes');
    const lock = await harness.locks.get(harness.manifest.cluster);
    expect(record?.owner?.fence).toBe(lock?.fence);
    expect(lock?.fence).toBe(2); // AcquireLock 1, the hand-over 2: not advanced again by the retry
    for (const node of harness.fleet.nodeIds) expect(harness.count('platform-install', 'config', node), node).toBe(1);
  });

  it("a canary invocation that outlasts its function timeout is retried on Sandbox.Timedout while the late one runs on: the update succeeds without a resume, every step once", async () => {
    await arm('canary-step', 'lambda-timeout');
    const manifest = { ...harness.manifest, release: '7.3.0', previous: harness.manifest.release };
    const started = await harness.start({ updateId: 'late-canary', manifest });
    const finished = await harness.finished(started.executionArn);
    expect(finished.status, await harness.explain('late-canary', finished)).toBe('SUCCEEDED');
    const history = await harness.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }));
    const errors = (history.events ?? []).map((e) => (e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails)?.error).filter(Boolean);
    expect(errors).toEqual(['Sandbox.Timedout']);
    // Let the late invocation finish its work too before counting.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const node of harness.fleet.nodeIds) {
      for (const step of ['system-packages', 'config']) expect(harness.count('platform-install', step, node), `${step} on ${node}`).toBe(2); // 7.2.0, then 7.3.0
    }
    expect(harness.count('drain', undefined, harness.fleet.nodeIds[0])).toBe(2);
  });
});
