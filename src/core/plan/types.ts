/**
 * The plan of one update: computed once from (manifest, inventory) by the pure
 * planner, persisted by the Plan task, and reused on every rerun.
 */
export interface Plan {
  /** sha256 over the canonical (manifest, inventory) inputs; same inputs → same hash. */
  readonly planHash: string;
  readonly cluster: string;
  readonly release: string;
  readonly previous?: string;
  /** The node taken out and fully updated first. */
  readonly canary: string;
  /** Why that node: "named in policy.canary" or "auto: hosts 9 services". */
  readonly canaryReason: string;
  /** policy.maxInFlight resolved to a node count. */
  readonly maxInFlight: number;
  /** Platform waves over every node except the canary; each node in exactly one wave. */
  readonly waves: readonly (readonly string[])[];
  /** Topological levels of service names (long-running and one-off alike). */
  readonly serviceOrder: readonly (readonly string[])[];
  /** Long-running service → the nodes hosting it, in inventory order. */
  readonly placement: Readonly<Record<string, readonly string[]>>;
  /** One-off service → the single node it runs on. */
  readonly oneOffNodes: Readonly<Record<string, string>>;
  /** Long-running service → how many of its replicas may be out at once (replicas − minHealthy − unhealthy). */
  readonly outageBudget: Readonly<Record<string, number>>;
  /** Nodes the inventory marks unhealthy (counted as already out). */
  readonly unhealthyNodes: readonly string[];
}
