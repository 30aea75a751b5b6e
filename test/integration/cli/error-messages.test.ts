import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../../../src/local/http/listen';
import { freePort } from '../../../src/local/free-port';
import { CliHarness } from './cli-harness';

/**
 * Errors AWS returns, in the CloudFormation query protocol's error shape
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html):
 * the stack name picks which one, so the real SDK client parses a real response.
 */
const AWS_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  throttled: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  denied: { status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/op is not authorized to perform: cloudformation:DescribeStacks' },
  expired: { status: 403, code: 'ExpiredToken', message: 'The security token included in the request is expired' },
  unknown: { status: 400, code: 'ValidationError', message: 'Stack with id unknown does not exist' },
};

function state(runDirectory: string, pid: number, port: number): string {
  const url = `http://127.0.0.1:${port}`;
  return JSON.stringify({
    version: 1, pid, runDirectory, startedAt: new Date().toISOString(), region: 'us-east-1',
    endpoints: { dynamodb: url, ssm: url, stepfunctions: url, fleet: url },
    tableName: 't', documentName: 'd', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m', cluster: 'c', nodes: [],
  });
}

/**
 * Conditions an operator can cause or meet: each is one line naming the
 * problem and the next step, exit 2, and no stack trace (issue #17, item 4).
 */
describe('what the CLI says when it cannot go on', () => {
  let runDirectory: string;
  let errors: Server;
  let errorsUrl: string;
  let closedPort: number;
  const awsEnv = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_CLOUDFORMATION: errorsUrl, AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
  });

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-errors-'));
    closedPort = await freePort();
    ({ server: errors, url: errorsUrl } = await listenOnLoopback((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const error = AWS_ERRORS[new URLSearchParams(body).get('StackName') ?? ''] ?? AWS_ERRORS.unknown!;
        response.writeHead(error.status, { 'content-type': 'text/xml' });
        response.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${error.message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`);
      });
    }));
  });

  afterAll(async () => {
    await closeServer(errors);
    rmSync(runDirectory, { recursive: true, force: true });
  });

  const cases: { condition: string; prepare?: () => void; args: () => string[]; env?: () => Record<string, string>; message: RegExp }[] = [
    { condition: 'no local runtime', prepare: () => rmSync(join(runDirectory, 'state.json'), { force: true }), args: () => ['status'], message: /local runtime is not running .*local up/ },
    { condition: 'a crashed local runtime (stale state.json)', prepare: () => writeFileSync(join(runDirectory, 'state.json'), state(runDirectory, 2 ** 22 + 12345, closedPort)), args: () => ['status', 'u-1'], message: /not running: its process \d+ is gone .*stale.*local up/ },
    { condition: 'an unreadable state.json', prepare: () => writeFileSync(join(runDirectory, 'state.json'), '{ "pid": 1, '), args: () => ['status'], message: /state\.json cannot be read .*local down/ },
    { condition: 'a local runtime that does not answer', prepare: () => writeFileSync(join(runDirectory, 'state.json'), state(runDirectory, process.pid, closedPort)), args: () => ['status', 'u-1'], message: /does not answer at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): it has stopped or crashed; run `cluster-update local up`/ },
    { condition: 'AWS throttling', args: () => ['status', '--target', 'aws', '--stack', 'throttled'], env: awsEnv, message: /AWS throttled the request \(Throttling: Rate exceeded\).*run the command again/ },
    { condition: 'AccessDenied', args: () => ['status', '--target', 'aws', '--stack', 'denied'], env: awsEnv, message: /AWS denied the request \(AccessDenied: .*cloudformation:DescribeStacks\)/ },
    { condition: 'expired credentials', args: () => ['status', '--target', 'aws', '--stack', 'expired'], env: awsEnv, message: /AWS rejected the credentials \(ExpiredToken.*refresh them/ },
    { condition: 'an unknown stack', args: () => ['status', '--target', 'aws', '--stack', 'unknown'], env: awsEnv, message: /stack unknown: does not exist .*cdk deploy/ },
    {
      condition: 'no AWS credentials',
      args: () => ['status', '--target', 'aws', '--stack', 'any'],
      env: () => ({ ...awsEnv(), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: join(runDirectory, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(runDirectory, 'none'), AWS_EC2_METADATA_DISABLED: 'true', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_WEB_IDENTITY_TOKEN_FILE: '' }),
      message: /no AWS credentials found.*aws configure/,
    },
  ];

  it.each(cases)('$condition: exit 2, one line, no stack trace', async ({ prepare, args, env, message }) => {
    prepare?.();
    const result = await new CliHarness(runDirectory).run(args(), 60_000, env?.() ?? {});
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(/^cluster-update: /);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('CLUSTER_UPDATE_DEBUG=1 adds the trace for whoever debugs it', async () => {
    writeFileSync(join(runDirectory, 'state.json'), state(runDirectory, process.pid, closedPort));
    const result = await new CliHarness(runDirectory).run(['status', 'u-1'], 60_000, { CLUSTER_UPDATE_DEBUG: '1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});
