import type { CheckpointRecord } from '../aws/store/checkpoint-store';
import type { ServiceState } from '../core/workflow/service-levels';

/** The per-service checkpoint (`service` phase, target = service, step `service`) as a ServiceState. */
export function serviceStates(services: readonly string[], checkpoints: readonly CheckpointRecord[]): Map<string, ServiceState> {
  const byService = new Map(checkpoints.filter((c) => c.phase === 'service' && c.step === 'service').map((c) => [c.target, c.status]));
  return new Map(
    services.map((name): [string, ServiceState] => {
      const status = byService.get(name);
      return [name, status === 'SUCCEEDED' ? 'UPDATED' : status === 'FAILED' ? 'FAILED' : status === 'SKIPPED' ? 'SKIPPED' : status === 'RUNNING' ? 'UPDATING' : 'PENDING'];
    }),
  );
}

/**
 * The service states as this run sees them (for the next DAG level): a
 * service that FAILED or was SKIPPED in an earlier run (below `runFence`) is
 * PENDING again, so a resume runs it; one FAILED in this run stays FAILED.
 * `runFence` is the fence this run started the rollout phase's writes from:
 * its canary writes with the fence before HandOver, its rollout with the one after.
 */
export function serviceStatesThisRun(services: readonly string[], checkpoints: readonly CheckpointRecord[], runFence: number): Map<string, ServiceState> {
  const states = serviceStates(services, checkpoints);
  const records = new Map(checkpoints.filter((c) => c.phase === 'service' && c.step === 'service').map((c) => [c.target, c]));
  for (const [name, state] of states) {
    if ((state === 'FAILED' || state === 'SKIPPED') && (records.get(name)?.fence ?? 0) < runFence) states.set(name, 'PENDING');
  }
  return states;
}
