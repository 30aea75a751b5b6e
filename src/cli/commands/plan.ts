import type { Command } from 'commander';
import { parseInventory } from '../../core/inventory/parse-inventory';
import type { Inventory } from '../../core/inventory/schema';
import { parseManifest } from '../../core/manifest/parse-manifest';
import type { Manifest } from '../../core/manifest/schema';
import { planUpdate } from '../../core/plan/plan-update';
import type { Plan } from '../../core/plan/types';
import { readInputFile } from '../fleet-inputs';

interface PlanOptions {
  readonly manifest: string;
  readonly inventory: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('show what an update would do: canary, platform waves, service order and where each service runs')
    .requiredOption('-m, --manifest <file>', 'release manifest (YAML)')
    .requiredOption('--inventory <file>', 'inventory file: which node hosts which service')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExamples:\n  $ cluster-update plan -m examples/analytics-cluster/release-7.2.0.yaml --inventory examples/analytics-cluster/inventory.yaml\n  $ cluster-update plan -m release.yaml --inventory inventory.yaml --json | jq .waves')
    .action((options: PlanOptions) => {
      const manifest = parseManifest(readInputFile('manifest', options.manifest), options.manifest);
      const inventory = parseInventory(readInputFile('inventory', options.inventory), options.inventory);
      const plan = planUpdate(manifest, inventory);
      process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(manifest, plan, inventory));
    });
}

/** The plan as an operator reads it. */
export function renderPlan(manifest: Manifest, plan: Plan, inventory?: Inventory): string {
  // EC2 and hybrid ids (i-0a1b…, mi-0a1b…) are hard to read: show the node's Name tag beside them.
  const names = new Map((inventory?.nodes ?? []).filter((n) => n.name).map((n) => [n.id, n.name!]));
  const node = (id: string): string => (names.has(id) ? `${id} (${names.get(id)})` : id);
  const lines: string[] = [];
  lines.push(`update ${manifest.cluster} to ${plan.release}${plan.previous ? ` (from ${plan.previous})` : ''}`);
  lines.push(`plan hash  ${plan.planHash}`);
  lines.push('');
  lines.push(`canary     ${node(plan.canary)} (${plan.canaryReason})`);
  lines.push(`platform   ${manifest.platform.map((s) => s.name + (s.selfUpdate ? ' (self-update)' : '')).join(' → ') || '(none)'}`);
  lines.push(`waves      ${plan.waves.length} over ${plan.waves.reduce((n, w) => n + w.length, 0)} nodes, at most ${plan.maxInFlight} at a time`);
  plan.waves.forEach((wave, i) => lines.push(`  wave ${String(i + 1).padStart(2)}  ${wave.map(node).join(', ')}`));
  if (plan.unhealthyNodes.length > 0) lines.push(`unhealthy  ${plan.unhealthyNodes.join(', ')} (counted as already out)`);
  lines.push('');
  lines.push('services, level by level:');
  const services = new Map(manifest.services.map((s) => [s.name, s]));
  plan.serviceOrder.forEach((level, i) => {
    lines.push(`  level ${i}`);
    for (const name of level) {
      const service = services.get(name)!;
      const after = service.dependsOn.length > 0 ? `  after ${service.dependsOn.join(', ')}` : '';
      if (service.oneOff) lines.push(`    ${name.padEnd(28)} one-off on ${plan.oneOffNodes[name]}${service.rollback ? '' : ' (irreversible)'}${after}`);
      else {
        const nodes = plan.placement[name] ?? [];
        const replicas = `${nodes.length} replica${nodes.length === 1 ? '' : 's'} (${nodes.join(', ')})`;
        // Unhealthy nodes are left alone by an update, so a service hosted only there is not updated (docs/manifest.md).
        if (nodes.every((node) => plan.unhealthyNodes.includes(node))) lines.push(`    ${name.padEnd(28)} ${replicas}, not updated: every replica is on an unhealthy node (${nodes.join(', ')})${after}`);
        else lines.push(`    ${name.padEnd(28)} ${replicas}, minHealthy ${service.minHealthy}, up to ${plan.outageBudget[name]} out at once${after}`);
      }
    }
  });
  const hooks = (list: readonly { name: string; skippable: boolean }[]): string => list.map((h) => h.name + (h.skippable ? ' (skippable)' : '')).join(', ') || '(none)';
  lines.push('');
  lines.push(`hooks      before: ${hooks(manifest.hooks.preUpdate)}; after: ${hooks(manifest.hooks.postUpdate)}`);
  return `${lines.join('\n')}\n`;
}
