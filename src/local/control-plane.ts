import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Inventory } from '../core/inventory/schema';
import type { Manifest } from '../core/manifest/schema';
import { DynamoDbFaultProxy } from './dynamodb/dynamodb-fault-proxy';
import { DynamoDbLocal } from './dynamodb/dynamodb-local';
import { ServiceFaultsMirror } from './faults/service-faults-mirror';
import { LocalIam } from './iam/local-iam';
import { standInAuthorizers } from './iam/stand-in-authorizers';
import { FleetSupervisor } from './fleet/fleet-supervisor';
import { LOCAL_REGION } from './local-credentials';
import type { LocalState } from './local-state';
import { createTables, startStepFunctions } from './runtime';
import type { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { synthesizeLocalTemplate } from './synthesize-local-template';
import { commandDocuments } from './template/command-documents';

export interface LocalControlPlaneProps {
  readonly runDirectory: string;
  readonly manifest: Manifest;
  readonly inventory: Inventory;
  /** DynamoDB tables and executions on disk under the run directory, so both survive a crash. @default false */
  readonly persistent?: boolean;
}

/**
 * What `local serve` runs: DynamoDB Local (a child on a lifeline) and the
 * Step Functions runtime (in this process, executions journaled under the run
 * directory when persistent), driving a fleet that runs under its own
 * supervisor process (started, or re-attached to when it survived a crash).
 */
export class LocalControlPlane {
  public static async start(props: LocalControlPlaneProps): Promise<LocalControlPlane> {
    const runDirectory = resolve(props.runDirectory);
    mkdirSync(runDirectory, { recursive: true });
    const template = synthesizeLocalTemplate();
    const documents = commandDocuments(template);
    const { supervisor, attached } = await FleetSupervisor.attachOrStart(runDirectory, {
      cluster: props.manifest.cluster,
      nodes: props.inventory.nodes,
      release: props.manifest.previous ?? props.manifest.release,
      platformSteps: props.manifest.platform.map((step) => step.name),
      selfUpdatingSteps: props.manifest.platform.filter((step) => step.selfUpdate).map((step) => step.name),
      serviceProcesses: true,
      documents: Object.fromEntries(documents.map((d) => [d.name, d.content])),
      template,
    });
    const iam = LocalIam.ifAvailable(template);
    const authorizers = iam ? standInAuthorizers(iam) : undefined;
    let dynamodb: DynamoDbLocal | undefined;
    let proxy: DynamoDbFaultProxy | undefined;
    const mirror = ServiceFaultsMirror.start(supervisor.state.fleetUrl);
    try {
      dynamodb = await DynamoDbLocal.start({ dataDirectory: props.persistent ? join(runDirectory, 'dynamodb') : undefined });
      const tableName = await createTables(template, dynamodb.endpoint);
      // The handlers and the CLI reach DynamoDB through the fault proxy, as in the in-process runtime.
      proxy = await DynamoDbFaultProxy.start({ upstream: dynamodb.endpoint, faults: mirror.faults, authorize: authorizers?.dynamodb });
      const stepFunctions = await startStepFunctions({
        template,
        dynamodbEndpoint: proxy.endpoint,
        ssmEndpoint: supervisor.state.ssmEndpoint,
        ec2Endpoint: supervisor.state.ec2Endpoint,
        executionsDirectory: props.persistent ? join(runDirectory, 'executions') : undefined,
        faults: mirror.faults,
      });
      const stateMachineArn = Object.values(stepFunctions.stateMachineArns)[0];
      if (!stateMachineArn) throw new Error('the synthesized stack declares no state machine');
      return new LocalControlPlane(runDirectory, supervisor, attached, dynamodb, proxy, mirror, stepFunctions, tableName, documents[0]?.name ?? '', stateMachineArn);
    } catch (error) {
      mirror.stop();
      await proxy?.stop().catch(() => undefined);
      await dynamodb?.stop().catch(() => undefined);
      if (!attached) await supervisor.stop().catch(() => undefined);
      throw error;
    }
  }

  private constructor(
    public readonly runDirectory: string,
    public readonly fleet: FleetSupervisor,
    /** The fleet outlived an earlier control plane and was re-attached to. */
    public readonly reattached: boolean,
    public readonly dynamodb: DynamoDbLocal,
    public readonly dynamodbProxy: DynamoDbFaultProxy,
    private readonly faultsMirror: ServiceFaultsMirror,
    public readonly stepFunctions: LocalStepFunctions,
    public readonly tableName: string,
    public readonly documentName: string,
    public readonly stateMachineArn: string,
  ) {}

  public describe(pid: number): LocalState {
    return {
      version: 1,
      pid,
      fleetPid: this.fleet.state.pid,
      runDirectory: this.runDirectory,
      startedAt: new Date().toISOString(),
      region: LOCAL_REGION,
      endpoints: { dynamodb: this.dynamodbProxy.endpoint, ssm: this.fleet.state.ssmEndpoint, ec2: this.fleet.state.ec2Endpoint, stepfunctions: this.stepFunctions.endpoint, fleet: this.fleet.state.fleetUrl },
      tableName: this.tableName,
      documentName: this.documentName,
      stateMachineArn: this.stateMachineArn,
      cluster: this.fleet.state.cluster,
      nodes: this.fleet.state.nodes,
    };
  }

  /** A clean stop: running executions end ABORTED (resumable), then DynamoDB Local and the fleet stop. */
  public async stop(): Promise<void> {
    await this.stepFunctions.stop();
    this.faultsMirror.stop();
    await this.dynamodbProxy.stop();
    await this.dynamodb.stop();
    await this.fleet.stop();
  }
}
