import { ClusterUpdateError } from '../core/errors';
import { faultPointFires } from './local-fault-point';

/**
 * The invocation did its work but Step Functions never got the answer (the
 * Lambda service failed on the way back), so the state's Retry runs the task
 * again: named like the error Step Functions retries for that.
 */
export class SimulatedLostResponseError extends ClusterUpdateError {
  public constructor(task: string) {
    super(`simulated lost response of ${task} after it finished (a lose-response fault point)`);
    this.name = 'Lambda.ServiceException';
  }
}

/**
 * When the local runtime (CLUSTER_UPDATE_LOCAL=1) names a task in
 * CLUSTER_UPDATE_FAULT_LOSE_RESPONSE (comma separated), or `local fault
 * lose-response --task <task>` arms it at run time, its next successful
 * invocation ends with SimulatedLostResponseError instead of its output —
 * once, like a real hiccup. Never active on AWS (local-fault-point.ts).
 */
export function loseResponse(task: string, env: NodeJS.ProcessEnv = process.env): void {
  if (faultPointFires('lose-response', task, env)) throw new SimulatedLostResponseError(task);
}
