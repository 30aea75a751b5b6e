import { ValidationError, type ValidationIssue } from '../errors';
import { buildServiceGraph, findCycle } from '../dag/service-graph';
import { DependencyCycleError } from '../errors';
import type { Manifest } from './schema';

/**
 * Checks that span fields. Throws a ValidationError listing every issue, or a
 * DependencyCycleError (with its path) when the only remaining problem is a cycle.
 *
 * Decisions:
 * - a one-off needs `run`; `update`, `health` and `minHealthy` mean nothing for it and are errors;
 * - a long-running service must not have `run` (its command is `update`);
 * - `rollback` is allowed on both: a long-running service's rollback replaces the default
 *   "restart at the previous release";
 * - at most one platform step may be `selfUpdate` (the node agent).
 */
export function validateManifest(manifest: Manifest, source = 'manifest'): void {
  const issues: ValidationIssue[] = [];
  duplicates(manifest.platform.map((s) => s.name), 'platform', issues);
  duplicates(manifest.services.map((s) => s.name), 'services', issues);
  duplicates(manifest.hooks.preUpdate.map((h) => h.name), 'hooks.preUpdate', issues);
  duplicates(manifest.hooks.postUpdate.map((h) => h.name), 'hooks.postUpdate', issues);

  const names = new Set(manifest.services.map((s) => s.name));
  manifest.services.forEach((service, i) => {
    const at = `services[${i}]`;
    service.dependsOn.forEach((dependency, j) => {
      if (dependency === service.name) issues.push({ path: `${at}.dependsOn[${j}]`, message: `service '${service.name}' depends on itself` });
      else if (!names.has(dependency)) issues.push({ path: `${at}.dependsOn[${j}]`, message: `unknown service '${dependency}'${suggest(dependency, names)}` });
    });
    if (service.oneOff) {
      if (!service.run) issues.push({ path: `${at}.run`, message: `one-off '${service.name}' needs a 'run' command` });
      if (service.update) issues.push({ path: `${at}.update`, message: `one-off '${service.name}' runs 'run' once; 'update' is for long-running services` });
      if (service.health) issues.push({ path: `${at}.health`, message: `one-off '${service.name}' has no replicas to health-check` });
      if (service.minHealthy > 0) issues.push({ path: `${at}.minHealthy`, message: `one-off '${service.name}' has no replicas; minHealthy must be 0` });
    } else if (service.run) {
      issues.push({ path: `${at}.run`, message: `long-running service '${service.name}' uses 'update', not 'run' (or set oneOff: true)` });
    }
  });

  const selfUpdating = manifest.platform.filter((s) => s.selfUpdate);
  if (selfUpdating.length > 1) {
    issues.push({ path: 'platform', message: `only one platform step may be selfUpdate (the node agent); found ${selfUpdating.map((s) => s.name).join(', ')}` });
  }
  if (manifest.previous !== undefined && manifest.previous === manifest.release) {
    issues.push({ path: 'previous', message: `previous (${manifest.previous}) must differ from release` });
  }
  if (issues.length > 0) throw new ValidationError(source, issues);

  const cycle = findCycle(buildServiceGraph(manifest.services));
  if (cycle) throw new DependencyCycleError(cycle);
}

function duplicates(names: readonly string[], list: string, issues: ValidationIssue[]): void {
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    const seen = first.get(name);
    if (seen === undefined) first.set(name, i);
    else issues.push({ path: `${list}[${i}].name`, message: `duplicate name '${name}' (first at ${list}[${seen}])` });
  });
}

/** "did you mean" for a near miss (edit distance ≤ 2). */
function suggest(name: string, known: ReadonlySet<string>): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
