import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceCalls } from './call-trace';
import { invocationCredentials } from './invocation-credentials';

export interface AwsClientConfig {
  /** @default the SDK's own resolution (AWS_REGION, profile) */
  readonly region?: string;
  /** Per-service endpoints (the local stand-ins). @default the SDK's own, which honours AWS_ENDPOINT_URL_<SERVICE> */
  readonly endpoints?: {
    readonly dynamodb?: string;
    readonly ssm?: string;
    readonly stepfunctions?: string;
    readonly cloudformation?: string;
    readonly ec2?: string;
  };
  /** @default the running local invocation's (invocation-credentials.ts), else the SDK's default credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly ssm: SSMClient;
  readonly sfn: SFNClient;
  readonly cloudformation: CloudFormationClient;
  /** EC2: the tags of EC2 instance nodes (`i-…`). */
  readonly ec2: EC2Client;
  destroy(): void;
}

/** SDK attempts per SSM call (the SDK's default is 3). */
export const SSM_MAX_ATTEMPTS = 8;

/**
 * The one place SDK v3 clients are built, for the CLI, the handlers and the
 * tests alike: pointing at AWS or at the local stand-ins differs only in the
 * endpoints and credentials given here (or in AWS_ENDPOINT_URL_* inside Lambda).
 *
 * Each client, and its SDK package, is loaded on first use. Loading a package costs 0.15–0.25 CPU-s, and
 * 0.7 for client-ec2, while a command uses two or three of the six (`status` never touches EC2 or
 * CloudFormation): an operator's every command, a Lambda cold start and the local runtime's start paid for
 * all six before.
 */
export function createAwsClients(config: AwsClientConfig = {}): AwsClients {
  const common = { region: config.region, credentials: config.credentials ?? invocationCredentials.getStore() };
  /* eslint-disable @typescript-eslint/no-require-imports -- each SDK package is loaded when its client is first used */
  const dynamodb = once(() => {
    const { DynamoDBClient: Client } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
    return traceCalls(new Client({ ...common, endpoint: config.endpoints?.dynamodb }));
  });
  const documents = once(() => {
    const { DynamoDBDocumentClient: Documents } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    return Documents.from(dynamodb.get(), { marshallOptions: { removeUndefinedValues: true } });
  });
  // SendCommand has a low request rate: a rollout that sends from many tasks at once is throttled, and the SDK's
  // default 3 attempts give up within a second. 8 attempts back off (from 500 ms for throttling, up to 20 s) long enough.
  const ssm = once(() => {
    const { SSMClient: Client } = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    return traceCalls(new Client({ ...common, endpoint: config.endpoints?.ssm, maxAttempts: SSM_MAX_ATTEMPTS }));
  });
  const sfn = once(() => {
    const { SFNClient: Client } = require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn');
    return traceCalls(new Client({ ...common, endpoint: config.endpoints?.stepfunctions }));
  });
  const cloudformation = once(() => {
    const { CloudFormationClient: Client } = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
    return traceCalls(new Client({ ...common, endpoint: config.endpoints?.cloudformation }));
  });
  const ec2 = once(() => {
    const { EC2Client: Client } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
    return traceCalls(new Client({ ...common, endpoint: config.endpoints?.ec2 }));
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    get dynamodb() {
      return dynamodb.get();
    },
    get documents() {
      return documents.get();
    },
    get ssm() {
      return ssm.get();
    },
    get sfn() {
      return sfn.get();
    },
    get cloudformation() {
      return cloudformation.get();
    },
    get ec2() {
      return ec2.get();
    },
    destroy() {
      // Only what was built: destroying a client never used would load its package to do nothing.
      for (const client of [documents, dynamodb, ssm, sfn, cloudformation, ec2]) client.built?.destroy();
    },
  };
}

/** A value built on first `get()`; `built` is it once built, for clean-up that must not build it. */
function once<T>(build: () => T): { get(): T; readonly built: T | undefined } {
  let value: T | undefined;
  return {
    get: () => (value ??= build()),
    get built() {
      return value;
    },
  };
}
