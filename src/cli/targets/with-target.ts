import type { Target } from '../target';
import { resolveTarget } from './resolve-target';
import type { TargetOptions } from './target-options';

/** Resolves the target, runs `action` against it and always closes its clients. */
export async function withTarget<T>(options: TargetOptions, action: (target: Target) => Promise<T>): Promise<T> {
  const target = await resolveTarget(options);
  try {
    return await action(target);
  } finally {
    target.clients.destroy();
  }
}

/** The target flags to repeat in a suggested next command, so it reaches the same control plane. */
export function targetSuffix(options: TargetOptions): string {
  if (options.target === 'aws') return ` --target aws --stack ${options.stack}${options.region ? ` --region ${options.region}` : ''}`;
  return options.runDir ? ` --run-dir ${options.runDir}` : '';
}
