import type { Hook, Manifest, Service } from '../core/manifest/schema';
import type { StepKind } from '../core/step-runner/step-runner-contract';
import type { WorkflowSettings } from './workflow-context';

export interface StepCommand {
  readonly kind: StepKind;
  readonly step: string;
  readonly script: string;
}

/** The default update of a long-running service on the simulated fleet (DESIGN §3). */
const DEFAULT_SERVICE_UPDATE = 'cu-node service update "$CU_STEP" "$CU_RELEASE"';
const DEFAULT_HEALTH = 'cu-node service health "$CU_STEP" "$CU_RELEASE"';

export function platformCommand(manifest: Manifest, step: string): StepCommand {
  const platform = manifest.platform.find((p) => p.name === step)!;
  return { kind: 'platform', step, script: platform.run };
}

export function serviceCommand(service: Service): StepCommand {
  return service.oneOff
    ? { kind: 'oneoff', step: service.name, script: service.run! }
    : { kind: 'service', step: service.name, script: service.update ?? DEFAULT_SERVICE_UPDATE };
}

export function healthCommand(service: Service): StepCommand {
  return { kind: 'health', step: service.name, script: service.health?.command ?? DEFAULT_HEALTH };
}

export function hookCommand(hook: Hook): StepCommand {
  return { kind: 'hook', step: hook.name, script: hook.run };
}

export function drainCommand(settings: WorkflowSettings): StepCommand {
  return { kind: 'drain', step: 'drain', script: settings.drainCommand };
}

export function rejoinCommand(settings: WorkflowSettings): StepCommand {
  return { kind: 'rejoin', step: 'rejoin', script: settings.rejoinCommand };
}
