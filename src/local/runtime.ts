import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TRACE_CALLS_VARIABLE } from '../aws/call-trace';
import { InputError } from '../core/errors';
import type { Inventory } from '../core/inventory/schema';
import type { Manifest } from '../core/manifest/schema';
import { DynamoDbLocal } from './dynamodb/dynamodb-local';
import { DynamoDbFaultProxy } from './dynamodb/dynamodb-fault-proxy';
import { Ec2StandIn } from './ec2/ec2-stand-in';
import { LocalIam } from './iam/local-iam';
import { standInAuthorizers } from './iam/stand-in-authorizers';
import { installArmedFaultPoints } from '../workflow/local-fault-point';
import { ServiceFaults, type ServiceFaultSettings } from './faults/service-faults';
import { SimulatedFleet } from './fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-credentials';
import type { LocalState } from './local-state';
import { SsmEmulator } from './ssm/ssm-emulator';
import { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { LOCAL_POLL_BUDGET_SECONDS, LOCAL_POLL_INTERVAL_MS } from './local-poll-settings';
import { findResources, resolveValue, type CloudFormationTemplate } from './template';
import { commandDocuments } from './template/command-documents';

export interface LocalRuntimeProps {
  /** Where node roots, logs and (when persistent) the DynamoDB data live. */
  readonly runDirectory: string;
  /** The release the fleet should be updated to; the fleet starts at its `previous`. */
  readonly manifest: Manifest;
  /** Which node hosts which service (and which nodes are unhealthy). */
  readonly inventory: Inventory;
  /** Keep DynamoDB tables on disk under the run directory. @default false (in memory) */
  readonly persistent?: boolean;
  /** Scale every Wait state and retry pause of the state machine. @default 0.02 */
  readonly waitScale?: number;
  /** Run real service processes on the nodes. @default true */
  readonly serviceProcesses?: boolean;
  /** Service faults to start with (SSM throttling, DynamoDB conflicts); `local fault` changes them later. @default none */
  readonly serviceFaults?: ServiceFaultSettings;
  /** Evaluate each function's calls against its role's policies from the template (AccessDeniedException as on AWS). @default true */
  readonly enforceIam?: boolean;
  /** The template to run instead of the synthesized stack's (tests: one synthesized once for the whole suite, or a stack with a grant removed). @default synthesizeLocalTemplate() */
  readonly template?: CloudFormationTemplate;
  /** Extra environment for the Lambda handlers (fault points, poll budgets). */
  readonly handlerEnvironment?: Readonly<Record<string, string>>;
}

const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Everything the workflow touches, on this machine, on 127.0.0.1: DynamoDB
 * Local, the simulated fleet behind the SSM emulator, and the state machine
 * synthesized from the real CDK stack, run with the real handler modules.
 */
export class LocalRuntime {
  public static async start(props: LocalRuntimeProps): Promise<LocalRuntime> {
    const runDirectory = resolve(props.runDirectory);
    mkdirSync(runDirectory, { recursive: true });
    const template = props.template ?? (await synthesizeStack());
    const iam = props.enforceIam === false ? undefined : LocalIam.ifAvailable(template);
    const authorizers = iam ? standInAuthorizers(iam) : undefined;
    const stopOnFailure: (() => Promise<void>)[] = [];
    try {
      const dynamodb = await DynamoDbLocal.start({ dataDirectory: props.persistent ? join(runDirectory, 'dynamodb') : undefined });
      stopOnFailure.push(() => dynamodb.stop());
      const tableName = await createTables(template, dynamodb.endpoint);
      const serviceFaults = new ServiceFaults(props.serviceFaults);
      const dynamodbProxy = await DynamoDbFaultProxy.start({
        upstream: dynamodb.endpoint,
        faults: serviceFaults,
        authorize: authorizers?.dynamodb,
      });
      stopOnFailure.push(() => dynamodbProxy.stop());

      const documents = commandDocuments(template);
      const fleet = await SimulatedFleet.start({
        runDirectory,
        cluster: props.manifest.cluster,
        nodes: props.inventory.nodes,
        release: props.manifest.previous ?? props.manifest.release,
        platformSteps: props.manifest.platform.map((step) => step.name),
        selfUpdatingSteps: props.manifest.platform.filter((step) => step.selfUpdate).map((step) => step.name),
        serviceProcesses: props.serviceProcesses ?? true,
        serviceFaults,
      });
      stopOnFailure.push(() => fleet.stop());
      const ssm = await SsmEmulator.start({ fleet, documents: Object.fromEntries(documents.map((d) => [d.name, d.content])), faults: serviceFaults, authorize: authorizers?.ssm });
      stopOnFailure.push(() => ssm.stop());
      const ec2 = await Ec2StandIn.start({
        fleet,
        authorize: authorizers?.ec2,
      });
      stopOnFailure.push(() => ec2.stop());

      // The handlers run in this process: the task faults armed at the fleet controller reach them directly.
      installArmedFaultPoints(fleet.taskFaults);
      const stepFunctions = await startStepFunctions({ template, dynamodbEndpoint: dynamodbProxy.endpoint, ssmEndpoint: ssm.endpoint, ec2Endpoint: ec2.endpoint, waitScale: props.waitScale, handlerEnvironment: props.handlerEnvironment, faults: serviceFaults });
      const stateMachineArn = Object.values(stepFunctions.stateMachineArns)[0];
      if (!stateMachineArn) throw new Error('the synthesized stack declares no state machine');
      return new LocalRuntime({
        runDirectory,
        cluster: props.manifest.cluster,
        dynamodb,
        fleet,
        ssm,
        ec2,
        dynamodbProxy,
        serviceFaults,
        stepFunctions,
        tableName,
        documentName: documents[0]?.name ?? '',
        stateMachineArn,
      });
    } catch (error) {
      for (const stop of stopOnFailure.reverse()) await stop().catch(() => undefined);
      throw error;
    }
  }

  public readonly runDirectory: string;
  public readonly cluster: string;
  public readonly dynamodb: DynamoDbLocal;
  public readonly fleet: SimulatedFleet;
  public readonly ssm: SsmEmulator;
  public readonly ec2: Ec2StandIn;
  /** DynamoDB Local as the handlers and the CLI reach it: through the fault proxy. */
  public readonly dynamodbProxy: DynamoDbFaultProxy;
  /** The faults in force and how many the workflow met. */
  public readonly serviceFaults: ServiceFaults;
  public readonly stepFunctions: LocalStepFunctions;
  public readonly tableName: string;
  public readonly documentName: string;
  public readonly stateMachineArn: string;

  private constructor(parts: {
    runDirectory: string; cluster: string; dynamodb: DynamoDbLocal; fleet: SimulatedFleet; ssm: SsmEmulator; ec2: Ec2StandIn; dynamodbProxy: DynamoDbFaultProxy; serviceFaults: ServiceFaults;
    stepFunctions: LocalStepFunctions; tableName: string; documentName: string; stateMachineArn: string;
  }) {
    this.runDirectory = parts.runDirectory;
    this.cluster = parts.cluster;
    this.dynamodb = parts.dynamodb;
    this.fleet = parts.fleet;
    this.ssm = parts.ssm;
    this.ec2 = parts.ec2;
    this.dynamodbProxy = parts.dynamodbProxy;
    this.serviceFaults = parts.serviceFaults;
    this.stepFunctions = parts.stepFunctions;
    this.tableName = parts.tableName;
    this.documentName = parts.documentName;
    this.stateMachineArn = parts.stateMachineArn;
  }

  /** What the CLI needs to reach this runtime (written to state.json by `local up`). */
  public describe(pid: number): LocalState {
    return {
      version: 1,
      pid,
      runDirectory: this.runDirectory,
      startedAt: new Date().toISOString(),
      region: LOCAL_REGION,
      endpoints: {
        dynamodb: this.dynamodbProxy.endpoint,
        ssm: this.ssm.endpoint,
        ec2: this.ec2.endpoint,
        stepfunctions: this.stepFunctions.endpoint,
        fleet: this.fleet.url,
      },
      tableName: this.tableName,
      documentName: this.documentName,
      stateMachineArn: this.stateMachineArn,
      cluster: this.cluster,
      nodes: this.fleet.nodeIds,
    };
  }

  /** Stops everything this runtime started, last started first. */
  public async stop(): Promise<void> {
    await this.stepFunctions.stop();
    installArmedFaultPoints(undefined);
    await this.ssm.stop();
    await this.ec2.stop();
    await this.fleet.stop();
    await this.dynamodbProxy.stop();
    await this.dynamodb.stop();
  }
}

/**
 * The task settings an operator may give `local up` / `demo` in their
 * environment (docs/local-runtime.md): LEASE_SECONDS (the lock lease),
 * POLL_BUDGET_SECONDS and POLL_INTERVAL_MS. Each must be a positive number.
 */
export const OPERATOR_SETTINGS = ['LEASE_SECONDS', 'POLL_BUDGET_SECONDS', 'POLL_INTERVAL_MS'] as const;

/** A task setting given in the environment is not a positive number. */
export class BadOperatorSettingError extends InputError {
  public constructor(name: string, value: string) {
    super(`${name}=${value} is not a positive number of ${name.endsWith('_MS') ? 'milliseconds' : 'seconds'}`);
    this.name = 'BadOperatorSettingError';
  }
}

function operatorSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of OPERATOR_SETTINGS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!(Number(value) > 0)) throw new BadOperatorSettingError(name, value);
    settings[name] = value;
  }
  return settings;
}

/**
 * The Step Functions runtime of the template with the handlers pointed at the
 * given endpoints; `executionsDirectory` makes its executions durable.
 */
export async function startStepFunctions(props: {
  template: CloudFormationTemplate;
  dynamodbEndpoint: string;
  ssmEndpoint: string;
  ec2Endpoint?: string;
  waitScale?: number;
  handlerEnvironment?: Readonly<Record<string, string>>;
  executionsDirectory?: string;
  /** Where Lambda throttles come from (`local fault lambda-throttle`). @default none */
  faults?: ServiceFaults;
}): Promise<LocalStepFunctions> {
  const faults = props.faults;
  return LocalStepFunctions.start({
    template: props.template,
    repoRoot: REPO_ROOT,
    throttleLambda: faults ? () => faults.throttleLambdaInvocation() : undefined,
    waitScale: props.waitScale ?? 0.02,
    retryScale: props.waitScale ?? 0.02,
    executionsDirectory: props.executionsDirectory,
    environment: {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: props.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SSM: props.ssmEndpoint,
      ...(props.ec2Endpoint ? { AWS_ENDPOINT_URL_EC2: props.ec2Endpoint } : {}),
      CLUSTER_UPDATE_LOCAL: '1',
      // Local polls are short so progress is quick; handler logs stay quiet unless asked for.
      POLL_BUDGET_SECONDS: String(LOCAL_POLL_BUDGET_SECONDS),
      POLL_INTERVAL_MS: String(LOCAL_POLL_INTERVAL_MS),
      POWERTOOLS_LOG_LEVEL: process.env.CLUSTER_UPDATE_LOG_LEVEL ?? 'SILENT',
      // No CloudWatch here: EMF metric lines would only clutter the terminal (and cost a checkpoint query per update end).
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Opt-in timing of the handlers' SDK calls (src/aws/call-trace.ts).
      ...(process.env[TRACE_CALLS_VARIABLE] ? { [TRACE_CALLS_VARIABLE]: process.env[TRACE_CALLS_VARIABLE] } : {}),
      ...operatorSettings(process.env),
      ...props.handlerEnvironment,
    },
  });
}

/** Creates every DynamoDB table the template declares, as declared; returns the (first) table name. */
export async function createTables(template: CloudFormationTemplate, endpoint: string): Promise<string> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const names: string[] = [];
    for (const [logicalId, resource] of Object.entries(findResources(template, 'AWS::DynamoDB::Table'))) {
      const properties = resolveValue(template, resource.Properties ?? {}) as Record<string, unknown>;
      const tableName = (properties.TableName as string | undefined) ?? (resolveValue(template, { Ref: logicalId }) as string);
      const input: CreateTableCommandInput = {
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
        AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
        GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
      };
      await client.send(new CreateTableCommand(input)).catch((error: { name?: string }) => {
        if (error.name !== 'ResourceInUseException') throw error; // a persistent run directory already has it
      });
      const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        await client
          .send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }))
          .catch(() => undefined); // already enabled on a persistent table
      }
      names.push(tableName);
    }
    if (names.length === 0) throw new Error('the synthesized stack has no DynamoDB table');
    return names[0] as string;
  } finally {
    client.destroy();
  }
}

/**
 * The real stack, synthesized now. Loaded on demand: the CDK costs ~1.2 CPU-s to load and ~1 s more to
 * synthesize, which a caller that brings its template (the tests, from one synthesis for the whole suite) need not pay.
 */
async function synthesizeStack(): Promise<CloudFormationTemplate> {
  const { synthesizeLocalTemplate } = await import('./synthesize-local-template');
  return synthesizeLocalTemplate();
}
