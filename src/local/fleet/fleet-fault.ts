/** What a `cu-node` call does on a node; faults and the operations log use the same words. */
export type FleetOperationKind =
  | 'platform-install'
  | 'service-update'
  | 'service-stop'
  | 'service-start'
  | 'service-health'
  | 'oneoff-run'
  | 'oneoff-rollback'
  | 'drain'
  | 'rejoin'
  | 'hook';

/**
 * An injected fault. It matches a `cu-node` call by operation, name (step,
 * service or hook) and node; an absent field matches anything.
 * - `fail`: the call exits 1 with `message`, as a real failure would;
 * - `slow`: the call takes `delayMs` longer;
 * - `unhealthy`: the service starts but answers 503 on /health.
 */
export interface FleetFault {
  readonly kind: 'fail' | 'slow' | 'unhealthy';
  readonly operation?: FleetOperationKind;
  readonly name?: string;
  readonly node?: string;
  /** For `slow`. */
  readonly delayMs?: number;
  /** For `fail`: what the failing command prints. @default "injected failure" */
  readonly message?: string;
}

export function faultMatches(fault: FleetFault, call: { operation: FleetOperationKind; name?: string; node: string }): boolean {
  return (
    (fault.operation === undefined || fault.operation === call.operation) &&
    (fault.name === undefined || fault.name === call.name) &&
    (fault.node === undefined || fault.node === call.node)
  );
}

/** One entry of the fleet's operations log: what ran where, and how it ended. */
export interface FleetOperation {
  readonly sequence: number;
  readonly at: string;
  readonly node: string;
  readonly operation: FleetOperationKind;
  readonly name?: string;
  readonly release?: string;
  readonly ok: boolean;
  readonly message: string;
}
