import { ClusterUpdateError } from '../core/errors';
import { faultPointFires } from './local-fault-point';

/** A crash injected on purpose by the local runtime, to prove that a rerun re-attaches instead of redoing work. */
export class SimulatedCrashError extends ClusterUpdateError {
  public readonly point: string;
  public constructor(point: string) {
    super(`simulated crash at ${point} (CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND)`);
    this.name = 'SimulatedCrashError';
    this.point = point;
  }
}

/**
 * Where a task has done its side effect (sent an SSM command and stored its
 * command id) but not yet completed its checkpoint. When the local runtime
 * (CLUSTER_UPDATE_LOCAL=1) names this point in
 * CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND (`<phase>:<target>:<step>`, comma
 * separated), the task dies here — once per point, like a real crash, so the
 * rerun that follows proceeds. Never active on AWS.
 */
export function crashAfterSend(point: string, env: NodeJS.ProcessEnv = process.env): void {
  if (faultPointFires('CLUSTER_UPDATE_FAULT_CRASH_AFTER_SEND', point, env)) throw new SimulatedCrashError(point);
}
