import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CheckpointStore } from '../../aws/store/checkpoint-store';
import { createAwsClients } from '../../aws/clients';
import { PlanStore } from '../../aws/store/plan-store';
import { UpdateStore } from '../../aws/store/update-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-credentials';
import { resolveRunDirectory, writeLocalState, removeLocalState } from '../../local/local-state';
import type { LocalRuntime } from '../../local/runtime';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { fleetInputOptions, loadFleetInputs, type FleetInputOptions } from '../fleet-inputs';
import { startUpdate } from '../operations/start-update';
import { updateOutcome } from '../operations/update-outcome';
import { waitForExecution } from '../operations/wait-for-execution';
import type { Target } from '../target';

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
  const clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
  const target: Target = { kind: 'local', clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName, fleetUrl: runtime.fleet.url };
  try {
    const started = await startUpdate(target, { manifest: inputs.manifest, skipChecks: options.skipCheck });
    say(`update ${started.updateId}: ${inputs.manifest.cluster} ${inputs.manifest.previous ?? '?'} → ${inputs.manifest.release}, canary ${started.plan.canary}, ${started.plan.waves.length} waves, ${started.plan.serviceOrder.flat().length} services in ${started.plan.serviceOrder.length} levels`);
    const store = { documents: clients.documents, tableName: runtime.tableName };
    const updates = new UpdateStore(store);
    const checkpoints = new CheckpointStore(store);
    const began = Date.now();
    let last = '';
    const execution = await waitForExecution(target, started.executionArn, async () => {
      if (options.json) return;
      const record = await updates.get(started.updateId);
      const outcome = updateOutcome(started.plan, await checkpoints.query(started.updateId));
      const count = <T extends { state: string }>(list: T[], state: string) => list.filter((x) => x.state === state).length;
      const line = `${record?.phase ?? '-'}  nodes ${count(outcome.nodes, 'UPDATED')}/${outcome.nodes.length} updated  services ${count(outcome.services, 'UPDATED')}/${outcome.services.length} updated, ${count(outcome.services, 'FAILED')} failed, ${count(outcome.services, 'SKIPPED')} skipped`;
      if (line !== last) say(`[${String(Math.round((Date.now() - began) / 1000)).padStart(4)}s] ${line}`);
      last = line;
    });
    const plan = (await new PlanStore(store).load(started.updateId)) ?? started.plan;
    const reports = await runtime.fleet.status();
    const outcome = updateOutcome(plan, await checkpoints.query(started.updateId), new Map(reports.map((r) => [r.id, r.release])));
    const record = await updates.get(started.updateId);
    const result = {
      updateId: started.updateId,
      executionArn: started.executionArn,
      status: execution.status,
      ...(execution.status !== 'SUCCEEDED' ? { failedPhase: record?.phase, error: execution.error, cause: execution.cause } : {}),
      nodes: outcome.nodes,
      services: outcome.services,
    };
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      say(`\n${execution.status}${execution.status !== 'SUCCEEDED' ? ` at ${record?.phase}: ${execution.error}: ${execution.cause}` : ''} in ${Math.round((Date.now() - began) / 1000)} s`);
      for (const node of outcome.nodes) say(`  node ${node.id.padEnd(10)} ${String(node.release).padEnd(8)} ${node.state}`);
      for (const service of outcome.services) say(`  service ${service.name.padEnd(26)} ${String(service.release).padEnd(8)} ${service.state}${service.reason ? `  (${service.reason})` : ''}`);
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
    return execution.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
  } finally {
    clients.destroy();
    await runtime.stop();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}
