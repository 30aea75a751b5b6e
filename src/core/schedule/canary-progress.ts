import { buildServiceGraph, descendants } from '../dag/service-graph';
import type { Manifest } from '../manifest/schema';
import type { Plan } from '../plan/types';
import { canarySteps } from '../workflow/canary-steps';
import type { RolloutProgress } from './rollout-progress';

/**
 * The progress the rollout starts from: the canary's platform is done, and so is every service the canary ran
 * (its replicas, and the one-offs they needed: canary-steps.ts). A service that failed on the canary is failed
 * (its dependents skipped, the scheduler derives that), and its replica on the canary counts as out: the canary
 * went on, but that replica did not pass.
 */
export function progressAfterCanary(manifest: Manifest, plan: Plan, canary: { readonly failedServices?: readonly string[] } = {}): RolloutProgress {
  const failed = new Set(canary.failedServices ?? []);
  const graph = buildServiceGraph(manifest.services);
  const skipped = new Set([...failed].flatMap((s) => [...descendants(graph, s)]));
  const replicasDone: Record<string, string[]> = {};
  const replicasFailed: Record<string, string[]> = {};
  const oneOffsRan: string[] = [];
  for (const step of canarySteps(manifest, plan)) {
    if (step.kind !== 'service' || skipped.has(step.service)) continue;
    if (failed.has(step.service)) {
      if (!step.oneOff) replicasFailed[step.service] = [plan.canary];
    } else if (step.oneOff) oneOffsRan.push(step.service);
    else replicasDone[step.service] = [plan.canary];
  }
  return { platformDone: [plan.canary], failedNodes: [], replicasDone, replicasFailed, servicesFailed: [...failed].sort(), oneOffsRan };
}
