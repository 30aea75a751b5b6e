import { randomUUID } from 'node:crypto';
import { faultPointMatches, type ArmedFaultPoints, type FaultPointKind } from '../../workflow/local-fault-point';

/** A one-shot fault armed at run time: it fires at the next fault point of its kind that `match` names. */
export interface ArmedTaskFault {
  readonly id: string;
  readonly kind: FaultPointKind;
  /** A fault-point pattern: `after-send`, `after-send:canary:node-1:config`, `run-rollout`, `any`. */
  readonly match: string;
  readonly armedAt: string;
}

/**
 * Faults of the task code itself (a task crash at a named point, an invocation that outlasts its function
 * timeout, a lost response), armed at run time with `local fault task-crash|lambda-timeout|lose-response`.
 * Kept where the other local faults are (the fleet controller, `/task-faults`); the control plane, where the
 * handlers run, mirrors them (ServiceFaultsMirror) and says which fired, so each fires once.
 * Also the handlers' source of armed faults (ArmedFaultPoints) where both live in one process (LocalRuntime).
 */
export class TaskFaults implements ArmedFaultPoints {
  private armed: ArmedTaskFault[] = [];
  /** Fired here and not yet reported to the fleet controller (the mirror's side). */
  private unreported: string[] = [];
  /** Fired here: never armed again, whatever an older copy of the list says. */
  private readonly firedIds = new Set<string>();
  private firedCount = 0;

  public arm(kind: FaultPointKind, match: string): ArmedTaskFault {
    const fault = { id: randomUUID(), kind, match: match.trim() || 'any', armedAt: new Date().toISOString() };
    this.armed.push(fault);
    return fault;
  }

  public get current(): readonly ArmedTaskFault[] {
    return [...this.armed];
  }

  public get fired(): number {
    return this.firedCount;
  }

  public clear(): void {
    this.armed = [];
  }

  /** The mirror's copy: the fleet's list, minus what already fired here. */
  public replace(faults: readonly ArmedTaskFault[]): void {
    this.armed = faults.filter((f) => !this.firedIds.has(f.id));
  }

  /** The fleet's side: faults that fired in the control plane are disarmed and counted. */
  public disarm(ids: readonly string[]): void {
    const fired = this.armed.filter((f) => ids.includes(f.id));
    this.armed = this.armed.filter((f) => !ids.includes(f.id));
    this.firedCount += fired.length;
  }

  /** Fired since the last call (for the mirror to report). */
  public takeUnreported(): string[] {
    const ids = this.unreported;
    this.unreported = [];
    return ids;
  }

  /** A report that did not arrive: said again at the next one. */
  public unreport(ids: readonly string[]): void {
    this.unreported.push(...ids);
  }

  public take(kind: FaultPointKind, point: string): boolean {
    const fault = this.armed.find((f) => f.kind === kind && faultPointMatches(f.match, point));
    if (!fault) return false;
    this.armed = this.armed.filter((f) => f !== fault);
    this.firedIds.add(fault.id);
    this.unreported.push(fault.id);
    this.firedCount += 1;
    return true;
  }
}
