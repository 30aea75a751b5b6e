import type { Claim } from './claim';

/** Work that cannot be done in this run at all (only a resume after a repair can), and why. */
export type Blocked =
  | { readonly kind: 'node'; readonly node: string; readonly reason: string }
  | { readonly kind: 'service'; readonly service: string; readonly reason: string };

export interface ScheduleDecision {
  /** Claims to take now, in priority order; all of them fit together with the claims in force. */
  readonly claims: readonly Claim[];
  /** Services not to update in this run, each with the failed or blocked service it depends on. */
  readonly skipped: readonly { readonly service: string; readonly because: string }[];
  /** Nodes whose platform outage and services whose update cannot happen in this run, with the reason. */
  readonly blocked: readonly Blocked[];
  /** Nothing is in force and nothing more will be claimed: the rollout is over (whatever is blocked stays so). */
  readonly finished: boolean;
}
