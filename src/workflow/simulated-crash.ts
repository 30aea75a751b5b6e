import { ClusterUpdateError } from '../core/errors';

/** A crash injected on purpose by the local runtime, to prove that a rerun re-attaches instead of redoing work. */
export class SimulatedCrashError extends ClusterUpdateError {
  public readonly point: string;
  public constructor(point: string) {
    super(`simulated crash at ${point} (CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND)`);
    this.name = 'SimulatedCrashError';
    this.point = point;
  }
}

const fired = new Set<string>();

/**
 * Where a task has done its side effect (sent an SSM command and stored its
 * command id) but not yet completed its checkpoint. When the local runtime
 * (CLUSTER_UPDATE_LOCAL=1) names this point in
 * CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND (`<phase>:<target>:<step>`, comma
 * separated), the task dies here — once per point, like a real crash, so the
 * rerun that follows proceeds. Never active on AWS.
 */
export function crashAfterSend(point: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.CLUSTER_UPDATE_LOCAL !== '1') return;
  const points = (env.CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND ?? '').split(',').map((p) => p.trim());
  if (!points.includes(point) || fired.has(point)) return;
  fired.add(point);
  throw new SimulatedCrashError(point);
}
