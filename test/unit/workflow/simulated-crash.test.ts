import { describe, expect, it } from 'vitest';
import { faultPointMatches, installArmedFaultPoints } from '../../../src/workflow/local-fault-point';
import { TaskFaults } from '../../../src/local/faults/task-faults';
import { crashAt, SimulatedCrashError } from '../../../src/workflow/simulated-crash';

describe('task crash points', () => {
  it('crash once at a point named in the environment, only on the local runtime', () => {
    const env = { CLUSTER_UPDATE_LOCAL: '1', CLUSTER_UPDATE_FAULT_CRASH: 'after-send:canary:node-1:config, before-send:wave:node-2:config' };
    expect(() => crashAt('after-send', 'canary:node-1:config', env)).toThrow(SimulatedCrashError);
    expect(() => crashAt('after-send', 'canary:node-1:config', env)).not.toThrow(); // the rerun proceeds
    expect(() => crashAt('after-send', 'canary:node-1:system-packages', env)).not.toThrow();
    expect(() => crashAt('before-send', 'wave:node-2:config', { ...env, CLUSTER_UPDATE_LOCAL: undefined })).not.toThrow();
    expect(() => crashAt('before-send', 'wave:node-2:config', env)).toThrow(/simulated crash at before-send:wave:node-2:config/);
  });

  it('a crash is what Step Functions reports for a Lambda runtime that died: Lambda.Unknown', () => {
    expect(new SimulatedCrashError('after-send:canary:node-1:config').name).toBe('Lambda.Unknown');
  });

  it('a pattern names the points it is a prefix of, segment by segment; any names all', () => {
    expect(faultPointMatches('after-send', 'after-send:wave:node-2:config')).toBe(true);
    expect(faultPointMatches('after-send:any', 'after-send:wave:node-2:config')).toBe(true);
    expect(faultPointMatches('after-send:wave', 'after-send:wave:node-2:config')).toBe(true);
    expect(faultPointMatches('after-send:wave:node-2', 'after-send:wave:node-20:config')).toBe(false);
    expect(faultPointMatches('after-send', 'before-send:wave:node-2:config')).toBe(false);
    expect(faultPointMatches('any', 'run-rollout')).toBe(true);
  });

  it('a crash armed at run time fires once, at the next matching point, and the mirror reports it fired', () => {
    const armed = new TaskFaults();
    installArmedFaultPoints(armed);
    try {
      const env = { CLUSTER_UPDATE_LOCAL: '1' };
      const fault = armed.arm('task-crash', 'between-batches:wave');
      expect(() => crashAt('between-batches', 'service:search:update', env)).not.toThrow();
      expect(() => crashAt('between-batches', 'wave:node-51:config', env)).toThrow(SimulatedCrashError);
      expect(() => crashAt('between-batches', 'wave:node-51:config', env)).not.toThrow();
      expect(armed.takeUnreported()).toEqual([fault.id]);
      armed.replace([fault]); // an older copy of the fleet's list does not arm it again
      expect(() => crashAt('between-batches', 'wave:node-51:config', env)).not.toThrow();
      armed.arm('task-crash', 'after-send');
      expect(() => crashAt('after-send', 'wave:node-2:config', { CLUSTER_UPDATE_LOCAL: undefined })).not.toThrow(); // never on AWS
    } finally {
      installArmedFaultPoints(undefined);
    }
  });
});
