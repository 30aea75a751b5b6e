import type { RolloutProgress } from '../../core/schedule';

/**
 * The rollout's progress while one task invocation works on it: read from the checkpoints when the invocation
 * starts, then kept up to date by the claims' work as it ends (the invocation is the rollout's only actor, so
 * nothing else changes it meanwhile). `snapshot` gives the scheduler fresh lists each time something changed:
 * the scheduler caches sets by list identity, so a list it was given must never change afterwards.
 */
export class RolloutLedger {
  private readonly platformDone = new Set<string>();
  /** Nodes out for the rest of this run: their platform outage failed, or a failure holds them out. */
  private readonly failedNodes = new Set<string>();
  /** Of `failedNodes`, those whose platform outage failed in this run (the ones maxFailedNodes counts). */
  private readonly platformFailed = new Set<string>();
  private readonly nodeErrors = new Map<string, string>();
  private readonly heldOutBecause = new Map<string, string>();
  private readonly replicasDone = new Map<string, Set<string>>();
  private readonly replicasFailed = new Map<string, Set<string>>();
  private readonly servicesFailed = new Set<string>();
  private readonly oneOffsRan = new Set<string>();
  private cached: RolloutProgress | undefined;

  public nodeDone(node: string): void {
    this.change(() => this.platformDone.add(node));
  }

  public nodeFailed(node: string, error?: string): void {
    if (error !== undefined) this.nodeErrors.set(node, error);
    this.change(() => (this.failedNodes.add(node), this.platformFailed.add(node)));
  }

  /** A node a failure of this run holds out (a failed replica's mutex, a claim refused for good), and why. */
  public nodeHeldOut(node: string, reason: string): void {
    if (!this.heldOutBecause.has(node)) this.heldOutBecause.set(node, reason);
    this.change(() => this.failedNodes.add(node));
  }

  public replicaDone(service: string, node: string): void {
    this.change(() => add(this.replicasDone, service, node));
  }

  public replicaFailed(service: string, node: string): void {
    this.change(() => (add(this.replicasFailed, service, node), this.servicesFailed.add(service)));
  }

  public serviceFailed(service: string): void {
    this.change(() => this.servicesFailed.add(service));
  }

  public oneOffRan(service: string): void {
    this.change(() => this.oneOffsRan.add(service));
  }

  public isNodeDone(node: string): boolean {
    return this.platformDone.has(node);
  }

  public isReplicaDone(service: string, node: string): boolean {
    return this.replicasDone.get(service)?.has(node) ?? false;
  }

  public hasRun(oneOff: string): boolean {
    return this.oneOffsRan.has(oneOff);
  }

  public hasFailed(service: string): boolean {
    return this.servicesFailed.has(service);
  }

  public isHeldOut(node: string): boolean {
    return this.failedNodes.has(node);
  }

  /** Why a node is held out in this run, when it is held out without its platform outage having failed. */
  public heldOutReason(node: string): string | undefined {
    return this.platformFailed.has(node) ? undefined : this.heldOutBecause.get(node);
  }

  /** Nodes whose platform outage failed in this run. */
  public nodesFailed(): string[] {
    return [...this.platformFailed].sort();
  }

  /** The error of each node in `nodesFailed` that is known (the step that failed it, and how). */
  public failedNodeErrors(): Record<string, string> {
    return Object.fromEntries(this.nodeErrors);
  }

  public snapshot(): RolloutProgress {
    this.cached ??= {
      platformDone: [...this.platformDone],
      failedNodes: [...this.failedNodes],
      replicasDone: Object.fromEntries([...this.replicasDone].map(([s, nodes]) => [s, [...nodes]])),
      replicasFailed: Object.fromEntries([...this.replicasFailed].map(([s, nodes]) => [s, [...nodes]])),
      servicesFailed: [...this.servicesFailed],
      oneOffsRan: [...this.oneOffsRan],
    };
    return this.cached;
  }

  private change(apply: () => unknown): void {
    apply();
    this.cached = undefined;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}
