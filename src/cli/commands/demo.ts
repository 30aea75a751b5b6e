import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveRunDirectory, writeLocalState, removeLocalState } from '../../local/local-state';
import type { LocalRuntime } from '../../local/runtime';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { fleetInputOptions, loadFleetInputs, type FleetInputOptions } from '../fleet-inputs';
import { describeExecution } from '../operations/read-update';
import { startUpdate } from '../operations/start-update';
import { watchUpdate } from '../operations/watch-update';
import { localTarget } from '../targets/resolve-target';
import { createProgressRenderer, SILENT_PROGRESS } from '../progress/progress-renderer';

interface DemoOptions extends FleetInputOptions {
  readonly keep?: boolean;
  readonly json?: boolean;
  readonly runDir?: string;
  readonly skipCheck?: string[];
}

export function register(program: Command): void {
  fleetInputOptions(
    program
      .command('demo')
      .description('bring up the local runtime and a simulated fleet, run one update to the end, print the outcome, tear down')
      .option('--keep', 'keep the local runtime running afterwards (Ctrl-C stops it)')
      .option('--json', 'print the outcome as one JSON object')
      .option('--run-dir <dir>', 'where node roots and logs go (default: a temporary directory)')
      .option('--skip-check <hook...>', 'skip these skippable pre/post-update checks'),
  )
    .addHelpText('after', '\nExamples:\n  $ cluster-update demo\n  $ cluster-update demo --nodes 12 --json\n  $ cluster-update demo -m examples/analytics-cluster/release-7.2.0.yaml --inventory examples/analytics-cluster/inventory.yaml --keep')
    .action(async (options: DemoOptions) => {
      process.exitCode = await demo(options);
    });
}

async function demo(options: DemoOptions): Promise<number> {
  const inputs = loadFleetInputs(options); // bad input: exit 2 before anything starts
  const temporary = options.runDir ? undefined : mkdtempSync(join(tmpdir(), 'cluster-update-demo-'));
  const runDirectory = options.runDir ? resolveRunDirectory(options.runDir) : temporary!;
  const say = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  say(`starting the local runtime: DynamoDB Local, SSM emulator, ${inputs.inventory.nodes.length} simulated nodes at ${inputs.manifest.previous ?? inputs.manifest.release}, Step Functions`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (aws-cdk-lib)
  const { LocalRuntime: Runtime } = require('../../local/runtime') as typeof import('../../local/runtime');
  const runtime: LocalRuntime = await Runtime.start({ runDirectory, manifest: inputs.manifest, inventory: inputs.inventory });
  const target = localTarget(runtime.describe(process.pid));
  try {
    const started = await startUpdate(target, { manifest: inputs.manifest, skipChecks: options.skipCheck });
    say(`update ${started.updateId}: ${inputs.manifest.cluster} ${inputs.manifest.previous ?? '?'} → ${inputs.manifest.release}, canary ${started.plan.canary}, ${started.plan.waves.length} waves, ${started.plan.serviceOrder.flat().length} services in ${started.plan.serviceOrder.length} levels`);
    const view = await watchUpdate(target, started.updateId, { renderer: options.json ? SILENT_PROGRESS : createProgressRenderer(process.stdout), executionArn: started.executionArn, intervalMs: 500 });
    const execution = await describeExecution(target, started.executionArn);
    if (options.json) {
      const result = {
        updateId: started.updateId,
        executionArn: started.executionArn,
        status: execution.status,
        ...(execution.status !== 'SUCCEEDED' ? { failedPhase: view.phase, error: execution.error, cause: execution.cause } : {}),
        nodes: view.nodes,
        services: view.services,
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      say('');
      for (const node of view.nodes) say(`  node ${node.id.padEnd(10)} ${String(node.release).padEnd(8)} ${node.state}`);
      for (const service of view.services) say(`  service ${service.name.padEnd(26)} ${String(service.release).padEnd(8)} ${service.state}${service.reason ? `  (${service.reason})` : ''}`);
      if (!options.keep) say('\nthe local runtime stops now; `cluster-update demo --keep` keeps it running for status, report, rollback (or use `local up` + `start --watch`)');
    }
    if (options.keep) {
      writeLocalState(runtime.describe(process.pid));
      say(`\nthe local runtime keeps running (state in ${runDirectory}/state.json); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      removeLocalState(runDirectory);
    }
    return view.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
  } finally {
    target.clients.destroy();
    await runtime.stop();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}
