import type { Manifest } from '../../core/manifest/schema';
import type { StepDurations } from '../../core/plan/makespan-bound';
import type { Plan } from '../../core/plan/types';
import { UNIT_STEP_DURATIONS } from '../../core/schedule';
import { canarySteps, canaryStepName } from '../../core/workflow/canary-steps';

/**
 * The durations the scheduler weighs work with (they order work, never gate it): each step as long as it took
 * on the canary, which ran every platform step and the services it hosts. A service the canary does not host is
 * weighed as the canary's services on average (its timeout would say little: it is a bound, not a duration).
 * Without the canary's drain on record (after the hand-over it always is; a hand-edited table is not) every step
 * weighs one unit.
 */
export async function measuredStepDurations(
  manifest: Manifest,
  plan: Plan,
  onCanary: (step: string) => Promise<number | undefined>,
): Promise<StepDurations | typeof UNIT_STEP_DURATIONS> {
  const seconds = async (step: string) => {
    const ms = await onCanary(step);
    return ms === undefined ? undefined : ms / 1000;
  };
  const service: Record<string, number> = {};
  const health: number[] = [];
  for (const step of canarySteps(manifest, plan)) {
    if (step.kind === 'service') {
      const s = await seconds(canaryStepName(step));
      if (s !== undefined) service[step.service] = s;
    } else if (step.kind === 'health') {
      const s = await seconds(canaryStepName(step));
      if (s !== undefined) health.push(s);
    }
  }
  const drain = await seconds('drain');
  if (drain === undefined) return UNIT_STEP_DURATIONS;
  const known = Object.values(service);
  const typical = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  for (const s of manifest.services) service[s.name] ??= typical;
  const platform: Record<string, number> = {};
  for (const p of manifest.platform) platform[p.name] = (await seconds(`platform-${p.name}`)) ?? typical;
  return {
    platform,
    service,
    drain,
    rejoin: (await seconds('rejoin')) ?? drain,
    health: health.length > 0 ? Math.max(...health) : typical,
  };
}
