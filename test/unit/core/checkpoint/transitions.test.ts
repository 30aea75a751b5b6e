import { describe, expect, it } from 'vitest';
import { allowedPredecessors, assertTransition, canTransition, IllegalCheckpointTransitionError } from '../../../../src/core/checkpoint/transitions';

describe('checkpoint transitions', () => {
  it('a finished step is final: nothing moves a SUCCEEDED checkpoint', () => {
    for (const to of ['PENDING', 'RUNNING', 'FAILED', 'SKIPPED', 'SUCCEEDED'] as const) expect(canTransition('SUCCEEDED', to)).toBe(false);
  });

  it('a failed or skipped step runs again on resume; a running one can be re-attached', () => {
    expect(canTransition('FAILED', 'RUNNING')).toBe(true);
    expect(canTransition('SKIPPED', 'RUNNING')).toBe(true);
    expect(canTransition('RUNNING', 'RUNNING')).toBe(true);
    expect(canTransition(undefined, 'RUNNING')).toBe(true);
  });

  it('a step cannot jump from nothing to FAILED, nor a finished one to SKIPPED', () => {
    expect(() => assertTransition('cp', undefined, 'FAILED')).toThrow(IllegalCheckpointTransitionError);
    expect(() => assertTransition('cp', 'SUCCEEDED', 'SKIPPED')).toThrow('checkpoint cp: SUCCEEDED → SKIPPED is not allowed');
  });

  it('a hook RUNNING when the update was stopped can be skipped by the operator on resume', () => {
    expect(canTransition('RUNNING', 'SKIPPED')).toBe(true);
    expect(allowedPredecessors('SKIPPED')).toContain('RUNNING');
  });

  it('names the predecessors a conditional write must check', () => {
    expect(allowedPredecessors('RUNNING').sort()).toEqual(['FAILED', 'PENDING', 'RUNNING', 'SKIPPED']);
    expect(allowedPredecessors('SUCCEEDED').sort()).toEqual(['PENDING', 'RUNNING']);
  });
});
