import { InputError } from '../errors';
import type { Manifest, Service } from '../manifest/schema';
import { validateManifest } from '../manifest/validate-manifest';

/** The update has no `previous` release to return to. */
export class NothingToRollBackToError extends InputError {
  public constructor(public readonly updateId: string) {
    super(`update ${updateId} has no \`previous\` release in its manifest, so there is nothing to roll back to`);
    this.name = 'NothingToRollBackToError';
  }
}

/** A one-off that has run declares no `rollback` command: its effect cannot be undone. */
export class IrreversibleUpdateError extends InputError {
  public constructor(public readonly updateId: string, public readonly oneOffs: readonly string[]) {
    super(
      `rollback of ${updateId} refused: one-off ${oneOffs.join(', ')} ${oneOffs.length === 1 ? 'has' : 'have'} run and declare${oneOffs.length === 1 ? 's' : ''} no \`rollback\` command, ` +
        'so the cluster cannot return to the previous release safely; nothing was changed. Fix forward with a new release instead',
    );
    this.name = 'IrreversibleUpdateError';
  }
}

/** How far each one-off got in the update being rolled back (from its checkpoints). */
export type OneOffProgress = 'NOT_RUN' | 'ATTEMPTED' | 'FINISHED';

/**
 * The manifest of a rollback: an update to `previous`, with the service DAG
 * reversed (dependents go back first) and each one-off that ran replaced by its
 * `rollback` command (a long-running service's `rollback`, if any, becomes its
 * `update`). One-offs that never ran are left out (nothing to undo),
 * keeping the order they imposed between the others. Refused up front when a
 * finished one-off has no rollback. During a rollback, CU_RELEASE is the
 * release being returned to and CU_PREVIOUS the one being left.
 */
export function rollbackManifest(updateId: string, manifest: Manifest, oneOffs: ReadonlyMap<string, OneOffProgress>): Manifest {
  if (!manifest.previous) throw new NothingToRollBackToError(updateId);
  const ran = (s: Service) => (oneOffs.get(s.name) ?? 'NOT_RUN') !== 'NOT_RUN';
  const irreversible = manifest.services.filter((s) => s.oneOff && !s.rollback && oneOffs.get(s.name) === 'FINISHED').map((s) => s.name);
  if (irreversible.length > 0) throw new IrreversibleUpdateError(updateId, irreversible);

  // An attempted one-off without a rollback left nothing finished to undo; it drops out like one that never ran.
  const kept = manifest.services.filter((s) => !s.oneOff || (ran(s) && s.rollback));
  const keptNames = new Set(kept.map((s) => s.name));
  const byName = new Map(manifest.services.map((s) => [s.name, s]));
  const reversed = new Map<string, Set<string>>(kept.map((s) => [s.name, new Set<string>()]));
  for (const service of kept) {
    for (const dependency of keptDependencies(service, byName, keptNames)) reversed.get(dependency)!.add(service.name);
  }
  const services = kept.map((service): Service => {
    const dependsOn = [...reversed.get(service.name)!];
    const { rollback, ...rest } = service;
    // A long-running service's `rollback` replaces its default "update to the release" (validate-manifest's contract).
    if (!service.oneOff) return { ...rest, dependsOn, ...(rollback ? { update: rollback } : {}) };
    return { ...rest, run: rollback!, dependsOn };
  });
  const result: Manifest = { ...manifest, release: manifest.previous, previous: manifest.release, services };
  validateManifest(result, `rollback manifest of ${updateId}`);
  return result;
}

/** The kept services `service` depends on, looking through dropped ones so their ordering survives. */
function keptDependencies(service: Service, byName: ReadonlyMap<string, Service>, kept: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const stack = [...service.dependsOn];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (kept.has(name)) found.add(name);
    else stack.push(...(byName.get(name)?.dependsOn ?? []));
  }
  return found;
}
