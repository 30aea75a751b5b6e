import { ancestors, buildServiceGraph } from '../dag/service-graph';
import type { Manifest } from '../manifest/schema';
import type { Plan } from '../plan/types';

/** One step of the canary phase, in the order the canary runs them. */
export type CanaryStep =
  | { readonly kind: 'drain' }
  | { readonly kind: 'platform'; readonly step: string }
  | { readonly kind: 'service'; readonly service: string; readonly oneOff: boolean }
  | { readonly kind: 'health'; readonly service: string }
  | { readonly kind: 'watch'; readonly seconds: number }
  | { readonly kind: 'rejoin' };

/**
 * The canary is taken out of the cluster and fully updated first: drain, every
 * platform step in order (the node agent included), its services in DAG order
 * together with the one-offs they depend on (one-offs run on the canary), the
 * health of each of its services, a watch period, then rejoin. Long-running
 * dependencies hosted elsewhere are not waited for: validating the new release
 * against the cluster as it is, is what a canary is for.
 */
export function canarySteps(manifest: Manifest, plan: Plan): CanaryStep[] {
  const hosted = new Set(Object.entries(plan.placement).filter(([, nodes]) => nodes.includes(plan.canary)).map(([service]) => service));
  const graph = buildServiceGraph(manifest.services);
  const oneOff = new Set(manifest.services.filter((s) => s.oneOff).map((s) => s.name));
  const needed = new Set(hosted);
  for (const service of hosted) for (const ancestor of ancestors(graph, service)) if (oneOff.has(ancestor)) needed.add(ancestor);
  const ordered = plan.serviceOrder.flat().filter((s) => needed.has(s));
  return [
    { kind: 'drain' },
    ...manifest.platform.map((p): CanaryStep => ({ kind: 'platform', step: p.name })),
    ...ordered.map((service): CanaryStep => ({ kind: 'service', service, oneOff: oneOff.has(service) })),
    ...ordered.filter((s) => !oneOff.has(s)).map((service): CanaryStep => ({ kind: 'health', service })),
    { kind: 'watch', seconds: manifest.policy.canaryWatchSeconds },
    { kind: 'rejoin' },
  ];
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
    default:
      return step.kind;
  }
}
