import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbackUpdate } from '../../../src/cli/operations/rollback-update';
import { stopUpdate } from '../../../src/cli/operations/stop-update';
import { InputError } from '../../../src/core/errors';
import { IrreversibleUpdateError } from '../../../src/core/rollback/rollback-manifest';
import { smallInventory, smallManifest } from './small-cluster';
import { WorkflowHarness } from './workflow-harness';

describe('rollback of a one-off left RUNNING by stop --now', () => {
  let harness: WorkflowHarness;
  const manifest = smallManifest({
    services: `  - { name: migrate, oneOff: true, run: "echo migrating; sleep 30" }
  - { name: api, dependsOn: [migrate], minHealthy: 1, health: { http: /health } }
  - { name: web, minHealthy: 1, health: { http: /health } }`,
  });
  beforeAll(async () => {
    harness = await WorkflowHarness.start({ manifest, inventory: smallInventory() });
  });
  afterAll(async () => harness?.stop());

  it('is refused (exit 2) when the migration has no rollback command, and nothing is touched', async () => {
    const started = await harness.start({ updateId: 'stopped-mid-migration' });
    const key = { updateId: 'stopped-mid-migration', phase: 'canary' as const, target: 'node-1', step: 'oneoff-migrate' };
    for (;;) {
      const checkpoint = await harness.checkpoints.get(key);
      if (checkpoint?.commandId) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500)); // the migration is under way on the canary
    await stopUpdate(harness.target, { updateId: 'stopped-mid-migration', now: true });
    await harness.finished(started.executionArn);
    expect(await harness.checkpoints.get(key)).toMatchObject({ status: 'RUNNING' });
    const lockBefore = await harness.locks.get('small');
    const operationsBefore = harness.fleet.operations().length;

    const refusal = await rollbackUpdate(harness.target, { updateId: 'stopped-mid-migration' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(IrreversibleUpdateError);
    expect(refusal).toBeInstanceOf(InputError); // the CLI's one mapping: InputError → exit 2
    expect((refusal as Error).message).toContain('one-off migrate has run and declares no `rollback` command');
    expect(await harness.updates.get('stopped-mid-migration-rollback')).toBeUndefined();
    expect(await harness.locks.get('small')).toEqual(lockBefore);
    expect(harness.fleet.operations().length).toBe(operationsBefore);
  });
});
