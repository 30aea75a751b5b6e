import type { Manifest } from '../manifest/schema';
import { DEFAULT_STEP_TIMEOUT_SECONDS, healthStepTimeoutSeconds } from '../step-runner/step-runner-contract';
import type { StepDurations } from './makespan-bound';

/**
 * Every step at its timeout, the longest it may run on a node before it is killed and fails: what `plan`
 * estimates with when no measured durations are given. A step's manifest `timeoutSeconds`, else the step
 * runner's default; the drain's is `policy.drain.timeoutSeconds` or `policy.drainTimeoutSeconds`; a health
 * step's is its slowest check's `health.timeoutSeconds` plus the health step's grace (step-runner-contract.ts).
 */
export function worstCaseDurations(manifest: Manifest): StepDurations {
  const timeout = (seconds: number | undefined) => seconds ?? DEFAULT_STEP_TIMEOUT_SECONDS;
  const checked = manifest.services.filter((s) => !s.oneOff);
  return {
    platform: Object.fromEntries(manifest.platform.map((p) => [p.name, timeout(p.timeoutSeconds)])),
    service: Object.fromEntries(manifest.services.map((s) => [s.name, timeout(s.timeoutSeconds)])),
    preHooks: Object.fromEntries(manifest.hooks.preUpdate.map((h) => [h.name, timeout(h.timeoutSeconds)])),
    postHooks: Object.fromEntries(manifest.hooks.postUpdate.map((h) => [h.name, timeout(h.timeoutSeconds)])),
    drain: manifest.policy.drain?.timeoutSeconds ?? manifest.policy.drainTimeoutSeconds,
    rejoin: timeout(manifest.policy.rejoin?.timeoutSeconds),
    health: checked.length === 0 ? 0 : healthStepTimeoutSeconds(checked),
  };
}
