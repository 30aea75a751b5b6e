import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import type { Inventory } from '../../../src/core/inventory/schema';
import { parseManifest } from '../../../src/core/manifest/parse-manifest';
import type { Manifest } from '../../../src/core/manifest/schema';

/**
 * A three-node cluster small enough for quick integration tests: `api` needs
 * the one-off `migrate`, `web` is independent; node-1 (the canary) hosts both.
 */
export const SMALL_INVENTORY_YAML = `
nodes:
  - { id: node-1, services: [api, web] }
  - { id: node-2, services: [api, web] }
  - { id: node-3, services: [web] }
`;
export const smallInventory = (): Inventory => parseInventory(SMALL_INVENTORY_YAML);

/** The example's platform steps (the last one updates the node agent itself), inside EXAMPLE_STEPS. */
export const EXAMPLE_PLATFORM_STEPS = ['system-packages', 'config', 'python-packages', 'node-agent'] as const;
const EXAMPLE_PLATFORM = EXAMPLE_PLATFORM_STEPS.map((step) => `  - { name: ${step}, run: cu-node platform install ${step} "$CU_RELEASE"${step === 'node-agent' ? ', selfUpdate: true' : ''} }`).join('\n');

/** The example's hooks (a skippable pre-update check, one that is not, a post-update check), inside EXAMPLE_STEPS. */
const EXAMPLE_HOOKS = `  preUpdate:
    - { name: disk-space, run: cu-node hook disk-space, skippable: true }
    - { name: cluster-health, run: cu-node hook cluster-health }
  postUpdate:
    - { name: smoke, run: cu-node hook smoke }`;

/** The small cluster's services: the one-off `migrate` (with its rollback), `api` that needs it, and `web`. */
export const SMALL_SERVICES = `  - { name: migrate, oneOff: true, run: cu-node oneoff run migrate "$CU_RELEASE", rollback: cu-node oneoff rollback migrate "$CU_RELEASE" }
  - { name: api, dependsOn: [migrate], minHealthy: 1, health: { http: /health } }
  - { name: web, minHealthy: 1, health: { http: /health } }`;

/** The small cluster's policy as a `smallManifest` part; each field replaces its default. */
export function smallPolicy(policy: { canary?: string; canaryWatchSeconds?: number; maxInFlight?: number; maxFailedNodes?: number } = {}): string {
  const { canary = 'node-1', canaryWatchSeconds = 0, maxInFlight = 1, maxFailedNodes = 0 } = policy;
  return `  canary: ${canary}\n  canaryWatchSeconds: ${canaryWatchSeconds}\n  maxInFlight: ${maxInFlight}\n  maxFailedNodes: ${maxFailedNodes}`;
}

type SmallManifestParts = { release?: string; previous?: string; platform?: string; services?: string; hooks?: string; policy?: string };

/** The example's platform steps and hooks, as `smallManifest` parts. */
export const EXAMPLE_STEPS: SmallManifestParts = { platform: EXAMPLE_PLATFORM, hooks: EXAMPLE_HOOKS };

/** The small cluster's manifest; each part replaces that section of the defaults (as YAML text). */
export function smallManifest(parts: SmallManifestParts = {}): Manifest {
  return parseManifest(smallManifestYaml(parts));
}

/** The small cluster's manifest as YAML (for `local up -m` and `start -m`). */
export function smallManifestYaml(parts: SmallManifestParts = {}): string {
  return `
release: "${parts.release ?? '7.2.0'}"
previous: "${parts.previous ?? '7.1.3'}"
cluster: small
policy:
${parts.policy ?? smallPolicy()}
platform:
${parts.platform ?? '  - { name: config, run: cu-node platform install config "$CU_RELEASE" }'}
services:
${parts.services ?? SMALL_SERVICES}
hooks:
${parts.hooks ?? '  preUpdate: []\n  postUpdate: []'}
`;
}

/**
 * Writes the small cluster with the example's platform steps and hooks into `directory`, for the CLI; returns the
 * `local up` options that name it (`start` then defaults to that manifest).
 */
export function writeSmallCluster(directory: string): string[] {
  const manifest = join(directory, 'small-release.yaml');
  const inventory = join(directory, 'small-inventory.yaml');
  writeFileSync(manifest, smallManifestYaml(EXAMPLE_STEPS));
  writeFileSync(inventory, SMALL_INVENTORY_YAML);
  return ['-m', manifest, '--inventory', inventory];
}
