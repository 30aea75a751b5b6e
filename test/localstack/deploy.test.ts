import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeDocumentCommand } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients';

/**
 * Opt-in profile: `LOCALSTACK=1 npm run test:localstack` deploys the real stack
 * to a running LocalStack (it needs a Docker engine, which the build machines
 * do not have) with `cdklocal`, and checks what was deployed. Without a
 * reachable LocalStack it skips with a one-line reason.
 */
const ENDPOINT = process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566';
const STACK = 'ClusterUpdateLocalStack';

async function skipReason(): Promise<string | undefined> {
  if (process.env.LOCALSTACK !== '1') return 'LOCALSTACK=1 is not set';
  try {
    const response = await fetch(`${ENDPOINT}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? undefined : `LocalStack at ${ENDPOINT} answered ${response.status}`;
  } catch {
    return `LocalStack is not reachable at ${ENDPOINT}`;
  }
}

describe('the stack on LocalStack', () => {
  let reason: string | undefined;
  const clients = createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoints: { cloudformation: ENDPOINT, dynamodb: ENDPOINT, ssm: ENDPOINT, stepfunctions: ENDPOINT },
  });
  const exec = promisify(execFile);
  const cdklocal = join(__dirname, '../../node_modules/.bin/cdklocal');

  beforeAll(async () => {
    reason = await skipReason();
    if (reason) {
      process.stdout.write(`localstack profile skipped: ${reason}\n`);
      return;
    }
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '000000000000' };
    await exec(cdklocal, ['bootstrap', 'aws://000000000000/us-east-1'], { env, cwd: join(__dirname, '../..') });
    await exec(cdklocal, ['deploy', '--require-approval', 'never', '--context', `stackName=${STACK}`], { env, cwd: join(__dirname, '../..') });
  });

  it('deploys the table and the step-runner document and outputs their names', async (context) => {
    if (reason) return context.skip(reason);
    const stack = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    const outputs = Object.fromEntries((stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const table = await clients.dynamodb.send(new DescribeTableCommand({ TableName: outputs.TableName }));
    expect(table.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    const document = await clients.ssm.send(new DescribeDocumentCommand({ Name: outputs.DocumentName }));
    expect(document.Document?.Parameters?.map((p) => p.Name).sort()).toEqual(['Kind', 'Previous', 'Release', 'Script', 'Step', 'UpdateId']);
  });
});
