import { describe, expect, it } from 'vitest';
import { outlastFunctionTimeout } from '../../../src/workflow/simulated-timeout';

describe('lambda-timeout fault point', () => {
  it("holds the named task's next invocation past its remaining time, once; others and AWS are not held", async () => {
    const env = { CLUSTER_UPDATE_LOCAL: '1', CLUSTER_UPDATE_FAULT_LAMBDA_TIMEOUT: 'run-rollout' };
    const remaining = () => 100;
    let began = Date.now();
    await outlastFunctionTimeout('hand-over', remaining, env);
    await outlastFunctionTimeout('run-rollout', remaining, { ...env, CLUSTER_UPDATE_LOCAL: undefined });
    expect(Date.now() - began).toBeLessThan(100);
    began = Date.now();
    await outlastFunctionTimeout('run-rollout', remaining, env);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000); // past the remaining 100 ms, so the runtime's timeout wins
    began = Date.now();
    await outlastFunctionTimeout('run-rollout', remaining, env); // once
    expect(Date.now() - began).toBeLessThan(100);
  });
});
