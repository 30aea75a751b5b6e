/**
 * Fault points: named places in the task code where the local runtime may inject a fault (a crash, a lost
 * response, an invocation that outlasts its function timeout). A point is named by segments, most general first:
 * `after-send:canary:node-1:config`. It fires
 * - only in the local runtime (CLUSTER_UPDATE_LOCAL=1), never on AWS;
 * - when the environment variable of its kind names it (a comma-separated list, fixed when the process started),
 *   once per point named and per process, like a real hiccup, so the retry or rerun that follows proceeds; or
 * - when a fault armed at run time (`cluster-update local fault task-crash|lambda-timeout|lose-response`, kept by
 *   the fleet controller and mirrored into the control plane: src/local/faults/task-faults.ts) matches it: once,
 *   at the next matching point.
 */

/** The environment variable of each kind of fault point; a fault armed at run time names the same kind. */
export const FAULT_POINT_VARIABLES = {
  'task-crash': 'CLUSTER_UPDATE_FAULT_CRASH',
  'lose-response': 'CLUSTER_UPDATE_FAULT_LOSE_RESPONSE',
  'lambda-timeout': 'CLUSTER_UPDATE_FAULT_LAMBDA_TIMEOUT',
} as const;
export type FaultPointKind = keyof typeof FAULT_POINT_VARIABLES;

/** Faults armed at run time, one-shot: `take` answers true (and disarms it) for the first armed fault matching. */
export interface ArmedFaultPoints {
  take(kind: FaultPointKind, point: string): boolean;
}

const fired = new Set<string>();
// On globalThis, not in this module: the handlers may be loaded as a second copy of this module (compiled or
// through tsx) beside the one the control plane installs the armed faults into.
const ARMED = Symbol.for('cluster-update.armed-fault-points');
type WithArmed = typeof globalThis & { [ARMED]?: ArmedFaultPoints };

/** The local runtime installs where armed faults come from (undefined: none). */
export function installArmedFaultPoints(source: ArmedFaultPoints | undefined): void {
  (globalThis as WithArmed)[ARMED] = source;
}

/**
 * Whether a pattern names a point: its segments are the point's first segments (`after-send` and
 * `after-send:any` name every after-send point, `after-send:canary` every one of the canary).
 */
export function faultPointMatches(pattern: string, point: string): boolean {
  const wanted = pattern.split(':').map((s) => s.trim());
  if (wanted.at(-1) === 'any') wanted.pop();
  const segments = point.split(':');
  return wanted.length <= segments.length && wanted.every((s, i) => s === segments[i]);
}

/** Whether the fault point `point` of kind `kind` fires now (see above). */
export function faultPointFires(kind: FaultPointKind, point: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CLUSTER_UPDATE_LOCAL !== '1') return false;
  const variable = FAULT_POINT_VARIABLES[kind];
  const named = (env[variable] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const pattern = named.find((p) => faultPointMatches(p, point) && !fired.has(`${variable}=${p}`));
  if (pattern !== undefined) {
    fired.add(`${variable}=${pattern}`); // once per point named, per process
    return true;
  }
  return (globalThis as WithArmed)[ARMED]?.take(kind, point) ?? false;
}
