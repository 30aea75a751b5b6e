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
import { createProgressRenderer, SILENT_PROGRESS, type ProgressRenderer } from '../progress/progress-renderer';
import { exitCodeForSignal, onTerminationSignal, type TerminationSignal } from '../termination-signals';

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
  let runtime: LocalRuntime | undefined;
  let target: ReturnType<typeof localTarget> | undefined;
  let tornDown: Promise<void> | undefined;
  const tearDown = (): Promise<void> =>
    (tornDown ??= (async () => {
      target?.clients.destroy();
      await runtime?.stop();
      if (options.keep) removeLocalState(runDirectory);
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    })());
  // SIGINT/SIGTERM at any moment (a CI timeout, Ctrl-C): stop watching, tear down every stand-in and child, exit 130/143.
  let interrupted: TerminationSignal | undefined;
  let keepRunning: (() => void) | undefined;
  const stopListening = onTerminationSignal(async (signal) => {
    interrupted = signal;
    if (keepRunning) return keepRunning(); // --keep: the normal way to end; teardown follows below
    process.stderr.write(`\ncluster-update demo: ${signal}: stopping the local runtime\n`);
    if (!runtime) return; // still starting: torn down as soon as the start returns
    await tearDown();
    process.exit(exitCodeForSignal(signal));
  });
  try {
    say(`starting the local runtime: DynamoDB Local, SSM emulator, ${inputs.inventory.nodes.length} simulated nodes at ${inputs.manifest.previous ?? inputs.manifest.release}, Step Functions`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (aws-cdk-lib)
    const { LocalRuntime: Runtime } = require('../../local/runtime') as typeof import('../../local/runtime');
    runtime = await Runtime.start({ runDirectory, manifest: inputs.manifest, inventory: inputs.inventory });
    if (interrupted) {
      await tearDown();
      return exitCodeForSignal(interrupted);
    }
    target = localTarget(runtime.describe(process.pid));
    // Suggested commands must reach this runtime: with --keep it stays up in runDirectory; without, nothing will be there.
    const suffix = options.keep ? ` --run-dir ${runDirectory}` : '';
    const started = await startUpdate(target, { manifest: inputs.manifest, skipChecks: options.skipCheck });
    say(`update ${started.updateId}: ${inputs.manifest.cluster} ${inputs.manifest.previous ?? '?'} → ${inputs.manifest.release}, canary ${started.plan.canary}, ${started.plan.waves.length} waves, ${started.plan.serviceOrder.flat().length} services in ${started.plan.serviceOrder.length} levels`);
    const view = await watchUpdate(target, started.updateId, { renderer: options.json ? SILENT_PROGRESS : demoRenderer(options.keep === true), executionArn: started.executionArn, intervalMs: 500, commandSuffix: suffix });
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
      say(`\nthe local runtime keeps running in ${runDirectory}; Ctrl-C stops it. Meanwhile, from another terminal:`);
      say(`  cluster-update status ${started.updateId}${suffix}`);
      say(`  cluster-update report ${started.updateId} -o update.html${suffix}`);
      if (!interrupted) await new Promise<void>((resolve) => (keepRunning = resolve));
      await tearDown();
      return exitCodeForSignal(interrupted!);
    }
    return view.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
  } finally {
    stopListening();
    await tearDown();
  }
}

/** The progress renderer, minus the closing "next:" commands when the runtime is about to stop (they could not work). */
function demoRenderer(keep: boolean): ProgressRenderer {
  const renderer = createProgressRenderer(process.stdout);
  return keep ? renderer : { update: (view) => renderer.update(view), finish: (view) => renderer.finish({ ...view, nextSteps: [] }) };
}
