import { ancestors, buildServiceGraph } from '../dag/service-graph';
import type { Manifest } from '../manifest/schema';
import type { Plan } from '../plan/types';

/** One step of the canary phase, in the order the canary runs them. */
export type CanaryStep =
  | { readonly kind: 'drain' }
  | { readonly kind: 'platform'; readonly step: string }
  | { readonly kind: 'service'; readonly service: string; readonly oneOff: boolean }
  | { readonly kind: 'health'; readonly service: string }
  | { readonly kind: 'rejoin' }
  | { readonly kind: 'watch'; readonly seconds: number }
  | { readonly kind: 'serving-health'; readonly service: string };

/**
 * The canary is taken out of the cluster and fully updated first (DESIGN §4):
 *   1. drain, every platform step in order (the node agent included) — a
 *      failure here stops the update with every other node untouched;
 *   2. its services in DAG order together with the one-offs they depend on
 *      (one-offs run on the canary), each service health-checked right after
 *      its update — a failure here is a *service* failure: that service FAILED,
 *      its dependents SKIPPED cluster-wide, the canary goes on with the rest;
 *   3. rejoin, a watch period while it serves, and its services' health again.
 * Long-running dependencies hosted elsewhere are not waited for: validating
 * the new release against the cluster as it is, is what a canary is for.
 */
export function canarySteps(manifest: Manifest, plan: Plan): CanaryStep[] {
  const hosted = new Set(Object.entries(plan.placement).filter(([, nodes]) => nodes.includes(plan.canary)).map(([service]) => service));
  const graph = buildServiceGraph(manifest.services);
  const oneOff = new Set(manifest.services.filter((s) => s.oneOff).map((s) => s.name));
  const needed = new Set(hosted);
  for (const service of hosted) for (const ancestor of ancestors(graph, service)) if (oneOff.has(ancestor)) needed.add(ancestor);
  const ordered = plan.serviceOrder.flat().filter((s) => needed.has(s));
  const longRunning = ordered.filter((s) => !oneOff.has(s));
  return [
    { kind: 'drain' },
    ...manifest.platform.map((p): CanaryStep => ({ kind: 'platform', step: p.name })),
    ...ordered.flatMap((service): CanaryStep[] =>
      oneOff.has(service) ? [{ kind: 'service', service, oneOff: true }] : [{ kind: 'service', service, oneOff: false }, { kind: 'health', service }],
    ),
    { kind: 'rejoin' },
    { kind: 'watch', seconds: manifest.policy.canaryWatchSeconds },
    ...longRunning.map((service): CanaryStep => ({ kind: 'serving-health', service })),
  ];
}

/** The service a canary step belongs to; absent for the node's own steps (drain, platform, rejoin, watch). */
export function canaryStepService(step: CanaryStep): string | undefined {
  return step.kind === 'service' || step.kind === 'health' || step.kind === 'serving-health' ? step.service : undefined;
}

/** The checkpoint step name of a canary step (unique within the canary phase). */
export function canaryStepName(step: CanaryStep): string {
  switch (step.kind) {
    case 'platform':
      return `platform-${step.step}`;
    case 'service':
      return `${step.oneOff ? 'oneoff' : 'service'}-${step.service}`;
    case 'health':
      return `health-${step.service}`;
    case 'serving-health':
      return `serving-health-${step.service}`;
    default:
      return step.kind;
  }
}
