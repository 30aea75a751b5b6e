import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
 */
export function createAwsClients(config: AwsClientConfig = {}): AwsClients {
  const common = { region: config.region, credentials: config.credentials ?? invocationCredentials.getStore() };
  const dynamodb = traceCalls(new DynamoDBClient({ ...common, endpoint: config.endpoints?.dynamodb }));
  const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  // SendCommand has a low request rate: a rollout that sends from many tasks at once is throttled, and the SDK's
  // default 3 attempts give up within a second. 8 attempts back off (from 500 ms for throttling, up to 20 s) long enough.
  const ssm = traceCalls(new SSMClient({ ...common, endpoint: config.endpoints?.ssm, maxAttempts: SSM_MAX_ATTEMPTS }));
  const sfn = traceCalls(new SFNClient({ ...common, endpoint: config.endpoints?.stepfunctions }));
  const cloudformation = traceCalls(new CloudFormationClient({ ...common, endpoint: config.endpoints?.cloudformation }));
  const ec2 = traceCalls(new EC2Client({ ...common, endpoint: config.endpoints?.ec2 }));
  return {
    dynamodb,
    documents,
    ssm,
    sfn,
    cloudformation,
    ec2,
    destroy() {
      documents.destroy();
      dynamodb.destroy();
      ssm.destroy();
      sfn.destroy();
      cloudformation.destroy();
      ec2.destroy();
    },
  };
}
