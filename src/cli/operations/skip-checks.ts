import { InputError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/schema';
import { HookNotSkippableError } from '../../workflow/workflow-errors';

/** `--skip-check` names must be hooks of the manifest, and skippable ones. */
export function assertSkippable(manifest: Manifest, names: readonly string[]): string[] {
  const hooks = [...manifest.hooks.preUpdate, ...manifest.hooks.postUpdate];
  for (const name of names) {
    const hook = hooks.find((h) => h.name === name);
    if (!hook) throw new InputError(`--skip-check ${name}: the manifest has no hook named ${name} (hooks: ${hooks.map((h) => h.name).join(', ') || 'none'})`);
    if (!hook.skippable) throw new HookNotSkippableError(name);
  }
  return [...new Set(names)];
}
