import { ClusterUpdateError } from '../errors';

/**
 * The scheduler found work that is neither done, nor claimable, nor explained by a failure, while nothing is in
 * force: a bug in the scheduler, never an operator's input. It carries what was left, so a test names it.
 */
export class SchedulerStalledError extends ClusterUpdateError {
  public readonly services: readonly string[];
  public readonly nodes: readonly string[];
  public constructor(services: readonly string[], nodes: readonly string[]) {
    super(`the rollout scheduler stalled with nothing in force: services ${services.join(', ') || '(none)'}; nodes ${nodes.join(', ') || '(none)'}`);
    this.name = 'SchedulerStalledError';
    this.services = services;
    this.nodes = nodes;
  }
}

/** A simulated rollout made no progress for longer than it possibly could: a livelock in the scheduler. */
export class SimulationLivelockError extends ClusterUpdateError {
  public readonly decisions: number;
  public constructor(decisions: number) {
    super(`the simulated rollout did not end after ${decisions} scheduling decisions`);
    this.name = 'SimulationLivelockError';
    this.decisions = decisions;
  }
}
