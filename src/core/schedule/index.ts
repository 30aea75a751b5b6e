/** The rollout's scheduler of node outages (platform outages and service work), and its simulation. Pure. */
export type { Claim } from './claim';
export { servicesOut } from './claim';
export type { RolloutProgress } from './rollout-progress';
export { NO_PROGRESS } from './rollout-progress';
export { progressAfterCanary } from './canary-progress';
export type { RolloutModel, PriorityWeights } from './rollout-model';
export { rolloutModel, UNIT_STEP_DURATIONS } from './rollout-model';
export type { Blocked, ScheduleDecision } from './schedule-decision';
export { nextClaims } from './next-claims';
export { SchedulerStalledError, SimulationLivelockError } from './schedule-errors';
export type { TimelineEvent } from './timeline';
export type { RolloutSimulation, SimulatedFailure, SimulationOptions } from './simulate-rollout';
export { simulateRollout } from './simulate-rollout';
