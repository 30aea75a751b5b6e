import { describe, expect, it } from 'vitest';
import { taskPhase } from '../../../src/workflow/task-phase';

describe('taskPhase', () => {
  it('names the checkpoint phase a task works in, telling pre- from post-update hooks', () => {
    expect(taskPhase('run-hooks', { hookPhase: 'pre' })).toBe('pre-hooks');
    expect(taskPhase('run-hooks', { hookPhase: 'post' })).toBe('post-hooks');
    expect(['canary-step', 'hand-over', 'run-rollout'].map((t) => taskPhase(t, {}))).toEqual(['canary', 'handover', 'rollout']);
  });

  it('names the workflow step for tasks outside the checkpoint phases, and nothing for an unknown task', () => {
    expect(['acquire-lock', 'plan-update', 'finalize', 'record-outcome'].map((t) => taskPhase(t, {}))).toEqual(['lock', 'plan', 'finalize', 'outcome']);
    expect(taskPhase('something-else', {})).toBeUndefined();
  });
});
