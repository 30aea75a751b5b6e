import type { Plan } from '../../core/plan/types';

/**
 * Who holds a node in the rollout, as written on its mutex and slot entries: `wave#<k>` for a node's platform
 * outage (k = the node's wave in the plan, which status shows), `service#<name>` for a replica update or a
 * one-off's run. The holder is how a task that starts later (after a crash, on a resume) tells what a claim it
 * finds in force is for.
 */
export function platformHolder(plan: Plan, node: string): string {
  return `wave#${plan.waves.findIndex((wave) => wave.includes(node))}`;
}

export function serviceHolder(service: string): string {
  return `service#${service}`;
}

export type HolderOf = { readonly kind: 'platform' } | { readonly kind: 'service'; readonly service: string };

/** What a holder string says, or undefined for one this rollout never writes. */
export function parseHolder(holder: string): HolderOf | undefined {
  if (/^wave#\d+$/.test(holder)) return { kind: 'platform' };
  const service = /^service#(.+)$/.exec(holder)?.[1];
  return service === undefined ? undefined : { kind: 'service', service };
}
