import { TASK_CRASH_POINTS } from '../../src/workflow/simulated-crash';
import type { SeededRandom } from './seeded-random';

/** What a chaos run knows of the release it updates to: enough to aim faults at real steps. */
export interface ChaosTargets {
  readonly nodes: readonly string[];
  readonly platformSteps: readonly string[];
  /** Long-running service → the nodes that host it. */
  readonly services: Readonly<Record<string, readonly string[]>>;
  readonly oneOffs: readonly string[];
  readonly hooks: readonly string[];
}

/** A fault on the simulated fleet: a `cu-node` call that fails, stalls or leaves a service unhealthy. */
export interface FleetFaultSpec {
  readonly kind: 'fail' | 'slow' | 'unhealthy';
  readonly operation: 'platform-install' | 'service-update' | 'oneoff-run' | 'hook';
  readonly name: string;
  readonly node?: string;
  readonly delayMs?: number;
}

/**
 * One fault of the catalogue (issue #14), with when it starts and ends, in
 * milliseconds after the update started. `clearAtMs` undefined: it lasts
 * until the operator clears every fault after the update has ended.
 */
export type ScheduledFault =
  | { readonly type: 'fleet'; readonly atMs: number; readonly clearAtMs?: number; readonly fault: FleetFaultSpec }
  | { readonly type: 'node-stop'; readonly atMs: number; readonly clearAtMs?: number; readonly node: string }
  | { readonly type: 'operator'; readonly atMs: number; readonly action: 'stop' | 'stop-now' | 'second-start' | 'unlock-force' }
  /** AWS's own faults (issue #13): SSM throttling above a rate, DynamoDB transaction conflicts on a fraction of writes. */
  | { readonly type: 'service'; readonly atMs: number; readonly clearAtMs?: number; readonly settings: { readonly sendCommandRate?: number; readonly transactionConflictFraction?: number } }
  /** `kill -9` of the local control plane (`local serve`), then `local up` again after `downMs` (issue #17). */
  | { readonly type: 'control-plane-crash'; readonly atMs: number; readonly downMs: number }
  /**
   * A fault of the task code, armed at `atMs` with `local fault task-crash --point <match>` or
   * `local fault lambda-timeout --task <match>`: it fires once, at the next matching point after that.
   */
  | { readonly type: 'task'; readonly atMs: number; readonly kind: 'task-crash' | 'lambda-timeout'; readonly match: string };

/** Tasks that run often enough in an update for a Lambda timeout armed at a random moment to meet one. */
const TIMED_OUT_TASKS = ['canary-step', 'run-rollout', 'hand-over', 'any'] as const;

export interface CatalogueOptions {
  /** How many faults a run draws. @default 1–3 */
  readonly faults?: { readonly min: number; readonly max: number };
  /** Faults start within this window after the update starts. @default 20 s */
  readonly windowMs?: number;
  /** A slow step takes this much longer: more than one poll budget of the local runtime. @default 22 s */
  readonly slowDelayMs?: number;
}

/** Draws a run's faults; the same seed draws the same faults. */
export function drawFaults(random: SeededRandom, targets: ChaosTargets, options: CatalogueOptions = {}): ScheduledFault[] {
  const { min, max } = options.faults ?? { min: 1, max: 3 };
  const windowMs = options.windowMs ?? 20_000;
  const count = random.int(min, max);
  const faults: ScheduledFault[] = [];
  for (let i = 0; i < count; i += 1) faults.push(drawOne(random, targets, windowMs, options.slowDelayMs ?? 22_000));
  return faults.sort((a, b) => a.atMs - b.atMs);
}

function drawOne(random: SeededRandom, targets: ChaosTargets, windowMs: number, slowDelayMs: number): ScheduledFault {
  const atMs = random.int(0, windowMs);
  // "once" faults clear themselves a few seconds later; the others last until the operator clears them.
  const clearAtMs = random.chance(0.5) ? atMs + random.int(2_000, 8_000) : undefined;
  const services = Object.keys(targets.services);
  const kind = random.pick(['fail-platform', 'fail-service', 'fail-oneoff', 'fail-hook', 'slow', 'unhealthy', 'node-stop', 'stop', 'stop-now', 'second-start', 'unlock-force', 'ssm-throttle', 'dynamodb-conflicts', 'control-plane-crash', 'task-crash', 'lambda-timeout'] as const);
  switch (kind) {
    case 'task-crash': {
      // Between batches exists only where a step goes to more than 50 nodes (one SendCommand's limit).
      const points = TASK_CRASH_POINTS.filter((p) => p !== 'between-batches' || targets.nodes.length > 50);
      return { type: 'task', atMs, kind: 'task-crash', match: random.pick(points) };
    }
    case 'lambda-timeout':
      return { type: 'task', atMs, kind: 'lambda-timeout', match: random.pick(TIMED_OUT_TASKS) };
    case 'ssm-throttle':
      return { type: 'service', atMs, clearAtMs, settings: { sendCommandRate: random.int(1, 3) } };
    case 'dynamodb-conflicts':
      return { type: 'service', atMs, clearAtMs, settings: { transactionConflictFraction: random.int(1, 3) / 10 } };
    case 'control-plane-crash':
      return { type: 'control-plane-crash', atMs, downMs: random.int(0, 5_000) };
    case 'fail-platform':
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'fail', operation: 'platform-install', name: random.pick(targets.platformSteps), node: random.pick(targets.nodes) } };
    case 'fail-service': {
      const service = random.pick(services);
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'fail', operation: 'service-update', name: service, node: random.pick(targets.services[service]!) } };
    }
    case 'fail-oneoff':
      if (targets.oneOffs.length === 0) return drawOne(random, targets, windowMs, slowDelayMs);
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'fail', operation: 'oneoff-run', name: random.pick(targets.oneOffs) } };
    case 'fail-hook':
      if (targets.hooks.length === 0) return drawOne(random, targets, windowMs, slowDelayMs);
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'fail', operation: 'hook', name: random.pick(targets.hooks), node: random.pick(targets.nodes) } };
    case 'slow': {
      const service = random.pick(services);
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'slow', operation: 'service-update', name: service, node: random.pick(targets.services[service]!), delayMs: slowDelayMs } };
    }
    case 'unhealthy': {
      const service = random.pick(services);
      return { type: 'fleet', atMs, clearAtMs, fault: { kind: 'unhealthy', operation: 'service-update', name: service, node: random.pick(targets.services[service]!) } };
    }
    case 'node-stop':
      return { type: 'node-stop', atMs, clearAtMs, node: random.pick(targets.nodes) };
    default:
      return { type: 'operator', atMs, action: kind };
  }
}

/** One line a person reads in the run record. */
export function describeFault(fault: ScheduledFault): string {
  const when = `at ${(fault.atMs / 1000).toFixed(1)} s`;
  if (fault.type === 'operator') return `${fault.action} ${when}`;
  if (fault.type === 'task') return `${fault.kind} ${fault.kind === 'task-crash' ? `at the next ${fault.match} point` : `of the next ${fault.match === 'any' ? 'task' : fault.match} invocation`} armed ${when}`;
  if (fault.type === 'control-plane-crash') return `control-plane-crash (kill -9 of local serve) ${when}, local up ${(fault.downMs / 1000).toFixed(1)} s later`;
  const until = fault.clearAtMs === undefined ? 'until cleared' : `until ${(fault.clearAtMs / 1000).toFixed(1)} s`;
  if (fault.type === 'node-stop') return `node-stop ${fault.node} ${when} ${until}`;
  if (fault.type === 'service') return `${fault.settings.sendCommandRate ? `ssm-throttle above ${fault.settings.sendCommandRate}/s` : `dynamodb-conflicts on ${fault.settings.transactionConflictFraction} of transactions`} ${when} ${until}`;
  const f = fault.fault;
  return `${f.kind} ${f.operation} ${f.name}${f.node ? ` on ${f.node}` : ''} ${when} ${until}`;
}
