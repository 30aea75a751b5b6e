import { describe, expect, it } from 'vitest';
import { taskMetrics } from '../../../src/workflow/task-metrics';

const names = (task: string, outcome: Parameters<typeof taskMetrics>[1]) => taskMetrics(task, outcome).metrics.map((m) => `${m.name}=${m.value}${m.unit === 'Count' ? '' : m.unit}`);

describe('taskMetrics', () => {
  it('counts a start refused because another update holds the lock', () => {
    expect(names('acquire-lock', { ok: false, errorName: 'LockHeldError' })).toEqual(['LockHeld=1']);
    expect(taskMetrics('acquire-lock', { ok: false, errorName: 'LockHeldError' }).endsUpdate).toBe(false);
  });

  it('counts a failed canary, and nothing for a canary step that merely polls or errors otherwise', () => {
    expect(names('canary-step', { ok: false, errorName: 'CanaryFailedError' })).toEqual(['CanaryFailed=1']);
    expect(names('canary-step', { ok: true, output: { cursor: 2, done: false, waitSeconds: 0 } })).toEqual([]);
    expect(names('canary-step', { ok: false, errorName: 'FenceRejectedError' })).toEqual([]);
  });

  it('counts a finished update as succeeded and asks for its totals', () => {
    expect(taskMetrics('finalize', { ok: true, output: { updated: 3 } })).toEqual({ metrics: [{ name: 'UpdatesSucceeded', unit: 'Count', value: 1 }], endsUpdate: true });
  });

  it('leaves a failing Finalize to RecordFailure, so a partly failed update is counted once', () => {
    expect(taskMetrics('finalize', { ok: false, errorName: 'UpdatePartiallyFailed' })).toEqual({ metrics: [], endsUpdate: false });
    expect(names('record-outcome', { ok: true, output: { error: 'UpdatePartiallyFailed', cause: 'svc-b failed' } })).toEqual(['UpdatesFailed=1']);
  });

  it('tells a stopped update from a failed one', () => {
    expect(taskMetrics('record-outcome', { ok: true, output: { error: 'UpdateStopped', cause: 'stopped' } })).toEqual({ metrics: [{ name: 'UpdatesStopped', unit: 'Count', value: 1 }], endsUpdate: true });
    expect(names('record-outcome', { ok: true, output: { error: 'CanaryFailedError', cause: 'x' } })).toEqual(['UpdatesFailed=1']);
    expect(names('record-outcome', { ok: true, output: undefined })).toEqual(['UpdatesFailed=1']);
  });

  it('counts nothing for the tasks in between, whatever they return', () => {
    for (const task of ['plan-update', 'run-hooks', 'hand-over', 'run-rollout']) {
      expect(taskMetrics(task, { ok: true, output: { done: true, failed: true, stopped: true } }), task).toEqual({ metrics: [], endsUpdate: false });
      expect(taskMetrics(task, { ok: false, errorName: 'HookFailedError' }), task).toEqual({ metrics: [], endsUpdate: false });
    }
  });
});
