import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError, DynamoDbLocal } from '../../../src/local/dynamodb/dynamodb-local';
import { findRunProcesses } from '../../../src/local/run-processes';
import { commandLineOf, descendantsOf } from '../cli/process-probe';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';

describe('DynamoDB Local launcher', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  beforeAll(async () => {
    db = await DynamoDbLocal.start();
    client = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('answers on 127.0.0.1 and enforces conditional writes', async () => {
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await client.send(new CreateTableCommand({
      TableName: 'cluster-update-test', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    await client.send(new PutItemCommand({ TableName: 'cluster-update-test', Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await expect(client.send(new PutItemCommand({ TableName: 'cluster-update-test', Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' })))
      .rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const item = await client.send(new GetItemCommand({ TableName: 'cluster-update-test', Key: { pk: { S: 'a' } } }));
    expect(item.Item?.pk?.S).toBe('a');
  });

  it('runs java with the client compiler only, the serial collector and no perf data file (2 shared cores: its CPU is what counts)', () => {
    // The lifeline (db.pid) starts java as its only child.
    const children = descendantsOf(db.pid).map(commandLineOf).filter((command) => command.length > 0);
    expect(children).toHaveLength(1);
    const [java] = children;
    expect(java![0]).toMatch(/(^|\/)java$/);
    const beforeJar = java!.slice(0, java!.indexOf('-jar'));
    expect(beforeJar).toEqual(expect.arrayContaining(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData']));
  });

  it('is not fooled by another program on its port (a simulated replica answers 200 on every path, ListTables included)', async () => {
    const imposter = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"service":"web","status":"ok"}'));
    await new Promise<void>((resolve) => imposter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (imposter.address() as AddressInfo).port;
      await expect(DynamoDbLocal.start({ port })).rejects.toThrow(/another program answered on http:\/\/127\.0\.0\.1:\d+, not DynamoDB Local/);
    } finally {
      await new Promise((resolve) => imposter.close(resolve));
    }
  });

  it('stops without leaving the process behind', async () => {
    const other = await DynamoDbLocal.start();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });

  it('java exits when its owner dies, even by kill -9 (the lifeline), and a data directory gets one DynamoDB Local', async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'cu-ddb-'));
    const launcher = join(__dirname, '../../../src/local/dynamodb/dynamodb-local.ts');
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', `require(${JSON.stringify(launcher)}).DynamoDbLocal.start({ dataDirectory: ${JSON.stringify(dataDirectory)} }).then(() => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        owner.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        owner.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
      });
      const java = () => findRunProcesses(dataDirectory).filter((p) => /(^|\/)java$/.test(p.command[0] ?? ''));
      expect(java()).toHaveLength(1);
      await expect(DynamoDbLocal.start({ dataDirectory })).rejects.toBeInstanceOf(DataDirectoryInUseError);
      owner.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      while (findRunProcesses(dataDirectory).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(findRunProcesses(dataDirectory)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
      for (const leftover of findRunProcesses(dataDirectory)) process.kill(leftover.pid, 'SIGKILL');
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  }, 90_000);
});
