import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, RedriveExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { createAwsClients, type AwsClients } from '../../../src/aws/clients';
import { CheckpointStore } from '../../../src/aws/store/checkpoint-store';
import { LockStore } from '../../../src/aws/store/lock-store';
import { UpdateStore } from '../../../src/aws/store/update-store';
import { resumeUpdate } from '../../../src/cli/operations/resume-update';
import { startUpdate, type StartedUpdate } from '../../../src/cli/operations/start-update';
import type { Target } from '../../../src/cli/target';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import type { Inventory } from '../../../src/core/inventory/schema';
import { parseManifest } from '../../../src/core/manifest/parse-manifest';
import type { Manifest } from '../../../src/core/manifest/schema';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import type { ServiceFaultSettings } from '../../../src/local/faults/service-faults';
import { LocalRuntime } from '../../../src/local/runtime';
import type { CloudFormationTemplate } from '../../../src/local/template';
import { localTemplate } from '../../fixtures/local-template';

const examples = join(__dirname, '../../../examples/analytics-cluster');
export const exampleManifest = (): Manifest => parseManifest(readFileSync(join(examples, 'release-7.2.0.yaml'), 'utf8'));
export const exampleInventory = (): Inventory => parseInventory(readFileSync(join(examples, 'inventory.yaml'), 'utf8'));

/** The local runtime with the example cluster, the stores and the SDK clients a test asserts with. */
export class WorkflowHarness {
  public static async start(options: { manifest?: Manifest; inventory?: Inventory; handlerEnvironment?: Record<string, string>; serviceFaults?: ServiceFaultSettings; template?: CloudFormationTemplate } = {}): Promise<WorkflowHarness> {
    const directory = mkdtempSync(join(tmpdir(), 'cu-workflow-'));
    const manifest = options.manifest ?? exampleManifest();
    const runtime = await LocalRuntime.start({ runDirectory: directory, manifest, inventory: options.inventory ?? exampleInventory(), handlerEnvironment: options.handlerEnvironment, serviceFaults: options.serviceFaults, template: options.template ?? localTemplate() });
    return new WorkflowHarness(directory, manifest, runtime);
  }

  public readonly clients: AwsClients;
  public readonly target: Target;
  public readonly updates: UpdateStore;
  public readonly checkpoints: CheckpointStore;
  public readonly locks: LockStore;

  private constructor(private readonly directory: string, public readonly manifest: Manifest, public readonly runtime: LocalRuntime) {
    this.clients = createAwsClients({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { dynamodb: runtime.dynamodb.endpoint, ssm: runtime.ssm.endpoint, ec2: runtime.ec2.endpoint, stepfunctions: runtime.stepFunctions.endpoint } });
    this.target = { kind: 'local', clients: this.clients, region: LOCAL_REGION, tableName: runtime.tableName, stateMachineArn: runtime.stateMachineArn, documentName: runtime.documentName };
    const store = { documents: this.clients.documents, tableName: runtime.tableName };
    this.updates = new UpdateStore(store);
    this.checkpoints = new CheckpointStore(store);
    this.locks = new LockStore(store);
  }

  public get fleet() {
    return this.runtime.fleet;
  }

  public start(options: { updateId?: string; skipChecks?: string[]; manifest?: Manifest } = {}): Promise<StartedUpdate> {
    return startUpdate(this.target, { manifest: options.manifest ?? this.manifest, updateId: options.updateId, skipChecks: options.skipChecks });
  }

  public async finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    for (;;) {
      const described = await this.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * `cluster-update resume`, as the CLI does it (src/cli/operations/resume-update.ts): a FAILED execution gets
   * a new execution under the same update id (a new owner, so a new fence: steps that failed are sent again),
   * an interrupted one is redriven; then wait for the end.
   */
  public async resume(updateId: string): Promise<DescribeExecutionCommandOutput> {
    const resumed = await resumeUpdate(this.target, { updateId });
    return this.finished(resumed.executionArn);
  }

  /** RedriveExecution of the same execution (what `resume` does for an interrupted one), then wait for the end. */
  public async redrive(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    await this.clients.sfn.send(new RedriveExecutionCommand({ executionArn }));
    return this.finished(executionArn);
  }

  /** Why an execution ended as it did: its error and cause, and every FAILED checkpoint's error. */
  public async explain(updateId: string, execution: DescribeExecutionCommandOutput): Promise<string> {
    const failed = (await this.checkpoints.query(updateId)).filter((c) => c.status === 'FAILED').map((c) => `${c.phase}/${c.target}/${c.step}: ${c.error}`);
    return `${execution.error}: ${execution.cause} | ${failed.join(' | ')}`;
  }

  /** How many times the fleet ran an operation (from its own log). */
  public count(operation: string, name?: string, node?: string): number {
    return this.fleet.operations().filter((o) => o.ok && o.operation === operation && (name === undefined || o.name === name) && (node === undefined || o.node === node)).length;
  }

  public async stop(): Promise<void> {
    this.clients.destroy();
    await this.runtime.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
