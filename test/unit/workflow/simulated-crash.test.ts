import { describe, expect, it } from 'vitest';
import { crashAfterSend, SimulatedCrashError } from '../../../src/workflow/simulated-crash';

describe('crashAfterSend', () => {
  it('crashes once at the named point, only on the local runtime', () => {
    const env = { CLUSTER_UPDATE_LOCAL: '1', CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND: 'canary:node-1:config, wave:node-2:config' };
    expect(() => crashAfterSend('canary:node-1:config', env)).toThrow(SimulatedCrashError);
    expect(() => crashAfterSend('canary:node-1:config', env)).not.toThrow(); // the rerun proceeds
    expect(() => crashAfterSend('canary:node-1:system-packages', env)).not.toThrow();
    expect(() => crashAfterSend('wave:node-2:config', { ...env, CLUSTER_UPDATE_LOCAL: undefined })).not.toThrow();
    expect(() => crashAfterSend('wave:node-2:config', env)).toThrow(/simulated crash at wave:node-2:config/);
  });
});
