import type { Command } from 'commander';
import { parseInventory } from '../../core/inventory/parse-inventory';
import type { Inventory } from '../../core/inventory/schema';
import { parseManifest } from '../../core/manifest/parse-manifest';
import type { Manifest } from '../../core/manifest/schema';
import type { StepDurations } from '../../core/plan/makespan-bound';
import { parseStepDurations } from '../../core/plan/parse-step-durations';
import { planUpdate } from '../../core/plan/plan-update';
import type { Plan } from '../../core/plan/types';
import { worstCaseDurations } from '../../core/plan/worst-case-durations';
import { simulateRollout } from '../../core/schedule/simulate-rollout';
import { readInputFile } from '../fleet-inputs';
import { formatDuration } from '../progress/format';

interface PlanOptions {
  readonly manifest: string;
  readonly inventory: string;
  readonly json?: boolean;
  readonly durations?: string;
}

/**
 * How long the update's node work takes, simulated with the rollout scheduler (src/core/schedule): every step at
 * its timeout (`atMost`: no step can take longer without failing), or at the measured durations of a file.
 * The control plane's own time (Lambda, polling, waits) is not in it.
 */
export interface PlanEstimate {
  /** Absent when the plan is too large to simulate within `plan`'s time (`notSimulated` says why). */
  readonly seconds?: number;
  readonly notSimulated?: string;
  readonly basis: 'step-timeouts' | 'durations-file';
  readonly atMost: boolean;
  readonly durationsFile?: string;
  readonly phases?: { readonly preHooks: number; readonly canary: number; readonly rollout: number; readonly postHooks: number };
}

/**
 * The simulation decides claim by claim and each decision looks at every replica (src/core/schedule), so its
 * time grows with the square of the cluster (the example's placement, every step at its timeout, on a busy 2-core
 * machine: 0.8 s for 300 nodes, 1.5 s for 600, 6.5 s for 1,200). `plan` answers in about a second at most, so it
 * estimates clusters up to this many nodes and says so above.
 */
export const ESTIMATE_MAX_NODES = 300;

export function register(program: Command): void {
  program
    .command('plan')
    .description('show what an update would do: canary, platform waves, service order and where each service runs')
    .requiredOption('-m, --manifest <file>', 'release manifest (YAML)')
    .requiredOption('--inventory <file>', 'inventory file: which node hosts which service')
    .option('--json', 'print the plan as JSON')
    .option('--durations <file>', 'estimate the duration from measured step durations (JSON, seconds) instead of the step timeouts')
    .addHelpText(
      'after',
      '\nThe estimate simulates the update\'s node work (canary, then platform outages and service updates as the\n' +
        'rollout scheduler orders them); the control plane\'s own time is not in it. Without --durations every step\n' +
        'takes its timeout, so the estimate is what the update takes at most. A durations file gives seconds per step:\n' +
        '  { "platform": { "<platform step>": 2 }, "service": { "<service or one-off>": 3 },\n' +
        '    "preHooks": { "<hook>": 1 }, "postHooks": { "<hook>": 1 }, "drain": 1, "rejoin": 1, "health": 1 }\n' +
        'Every field is optional and a step it does not name takes 0 s; `service` is one replica\'s update or a\n' +
        'one-off\'s run, `health` one health-check step. A name the manifest does not have is an error (exit 2).\n' +
        '\nExamples:\n  $ cluster-update plan -m examples/analytics-cluster/release-7.2.0.yaml --inventory examples/analytics-cluster/inventory.yaml\n' +
        '  $ cluster-update plan -m release.yaml --inventory inventory.yaml --json | jq .waves\n' +
        '  $ cluster-update plan -m release.yaml --inventory inventory.yaml --durations measured.json',
    )
    .action((options: PlanOptions) => {
      const manifest = parseManifest(readInputFile('manifest', options.manifest), options.manifest);
      const inventory = parseInventory(readInputFile('inventory', options.inventory), options.inventory);
      const durations = options.durations === undefined ? undefined : parseStepDurations(readInputFile('durations', options.durations), options.durations, manifest);
      const plan = planUpdate(manifest, inventory);
      const estimate = estimatePlan(manifest, plan, durations, options.durations);
      process.stdout.write(options.json ? `${JSON.stringify({ ...plan, estimate }, null, 2)}\n` : renderPlan(manifest, plan, inventory, estimate));
    });
}

/** The update's duration from a simulated run: at the given durations, or every step at its timeout. */
export function estimatePlan(manifest: Manifest, plan: Plan, durations?: StepDurations, durationsFile?: string): PlanEstimate {
  const basis = {
    basis: durations ? ('durations-file' as const) : ('step-timeouts' as const),
    atMost: durations === undefined,
    ...(durationsFile !== undefined ? { durationsFile } : {}),
  };
  const nodes = plan.waves.reduce((n, w) => n + w.length, 1);
  if (nodes > ESTIMATE_MAX_NODES) return { ...basis, notSimulated: `${nodes} nodes, more than the ${ESTIMATE_MAX_NODES} plan simulates` };
  const run = simulateRollout(manifest, plan, durations ?? worstCaseDurations(manifest));
  return { seconds: run.makespanSeconds, ...basis, phases: run.phases };
}

/** The plan as an operator reads it. */
export function renderPlan(manifest: Manifest, plan: Plan, inventory?: Inventory, estimate?: PlanEstimate): string {
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
  if (estimate?.notSimulated !== undefined) lines.push(`estimate   not simulated: ${estimate.notSimulated}`);
  else if (estimate?.seconds !== undefined && estimate.phases) {
    const seconds = (s: number) => formatDuration(s * 1000);
    const phases = `canary ${seconds(estimate.phases.canary)}, rollout ${seconds(estimate.phases.rollout)}${estimate.phases.preHooks + estimate.phases.postHooks > 0 ? `, hooks ${seconds(estimate.phases.preHooks + estimate.phases.postHooks)}` : ''}`;
    const basis = estimate.atMost ? 'every step at its timeout' : `measured durations from ${estimate.durationsFile}`;
    lines.push(`estimate   ${estimate.atMost ? 'at most ' : ''}${seconds(estimate.seconds)} of node work (${phases}; ${basis})`);
  }
  return `${lines.join('\n')}\n`;
}
