import type { Claim } from './claim';

/**
 * What a simulated rollout did, in order. `at` is in seconds from the start of the rollout (the canary done).
 * A `claim` takes out the replicas `servicesOut(claim)` lists; a `release` brings back `back` (a replica whose
 * update failed, or every replica of a failed node, never comes back: no release, or a release without it).
 */
export type TimelineEvent =
  | { readonly at: number; readonly kind: 'claim'; readonly node: string; readonly claim: Claim }
  | { readonly at: number; readonly kind: 'step-start'; readonly node: string; readonly step: string; readonly service?: string }
  | { readonly at: number; readonly kind: 'step-end'; readonly node: string; readonly step: string; readonly service?: string; readonly ok: boolean }
  | { readonly at: number; readonly kind: 'release'; readonly node: string; readonly back: readonly string[] }
  | { readonly at: number; readonly kind: 'node-failed'; readonly node: string; readonly step: string }
  | { readonly at: number; readonly kind: 'service-failed'; readonly node: string; readonly service: string };
