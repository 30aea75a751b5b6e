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
