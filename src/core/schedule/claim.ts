/**
 * A claim: one actor's hold on one node. The scheduler hands out claims; the caller works them and passes the
 * ones still in force back on the next call (a claim leaves force when its work ended, successfully or not).
 *
 * - `platform`: the node's platform outage — drain, every platform step, then the updates in `updates` (in that
 *   order, each followed by its check), rejoin, and the health of every service on the node. It takes out every
 *   replica on the node (`out`) and holds one of the `maxInFlight` places.
 * - `replica`: one replica's update and check outside a platform outage; takes out that replica only.
 * - `one-off`: a one-off's run on its node; holds the node, takes no replica out.
 */
export type Claim =
  | { readonly kind: 'platform'; readonly node: string; readonly out: readonly string[]; readonly updates: readonly string[] }
  | { readonly kind: 'replica'; readonly node: string; readonly service: string }
  | { readonly kind: 'one-off'; readonly node: string; readonly service: string };

/** The long-running services whose replica on the claim's node the claim takes out. */
export function servicesOut(claim: Claim): readonly string[] {
  switch (claim.kind) {
    case 'platform':
      return claim.out;
    case 'replica':
      return [claim.service];
    case 'one-off':
      return [];
  }
}
