import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbFaultProxy } from '../../../src/local/dynamodb/dynamodb-fault-proxy';
import { DynamoDbLocal } from '../../../src/local/dynamodb/dynamodb-local';
import { ServiceFaults } from '../../../src/local/faults/service-faults';
import { SimulatedFleet } from '../../../src/local/fleet/simulated-fleet';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../src/local/local-credentials';
import { SsmEmulator } from '../../../src/local/ssm/ssm-emulator';

/**
 * The faults the stand-ins produce are shaped as the services produce them, as the real SDK clients parse them:
 * - SSM: HTTP 400 ThrottlingException "Rate exceeded" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html);
 * - DynamoDB: TransactionCanceledException with one CancellationReasons entry per TransactItems item, one TransactionConflict
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html), and
 *   ProvisionedThroughputExceededException, which the SDK retries (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html);
 *   a cancelled or throttled request changes nothing.
 */
describe('service faults through the real SDK clients', () => {
  let runDirectory: string;
  let fleet: SimulatedFleet;
  let ssm: SsmEmulator;
  let dynamodb: DynamoDbLocal;
  let proxy: DynamoDbFaultProxy;
  const faults = new ServiceFaults();
  let ssmClient: SSMClient;
  let direct: DynamoDBClient;
  let proxied: DynamoDBClient;

  beforeAll(async () => {
    runDirectory = mkdtempSync(join(tmpdir(), 'cu-faults-'));
    fleet = await SimulatedFleet.start({ runDirectory, cluster: 'c', release: '1.0.0', platformSteps: [], serviceProcesses: false, nodes: [{ id: 'mi-0123456789abcdef0', services: [] }] });
    ssm = await SsmEmulator.start({ fleet, faults });
    dynamodb = await DynamoDbLocal.start();
    proxy = await DynamoDbFaultProxy.start({ upstream: dynamodb.endpoint, faults });
    ssmClient = new SSMClient({ endpoint: ssm.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    direct = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    proxied = new DynamoDBClient({ endpoint: proxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    await direct.send(new CreateTableCommand({ TableName: 'faults-table', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
  }, 60_000);

  afterAll(async () => {
    ssmClient?.destroy();
    direct?.destroy();
    proxied?.destroy();
    await proxy?.stop();
    await dynamodb?.stop();
    await ssm?.stop();
    await fleet?.stop();
    rmSync(runDirectory, { recursive: true, force: true });
  });

  const send = () => ssmClient.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['mi-0123456789abcdef0'], Parameters: { commands: ['true'] } }));

  it('SSM throttles SendCommand above the rate with ThrottlingException, and admits again once the rate allows', async () => {
    faults.configure({ sendCommandRate: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => send()));
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as { name: string; message: string; $metadata: { httpStatusCode: number } });
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    await new Promise((r) => setTimeout(r, 400));
    await expect(send()).resolves.toBeDefined();
    expect(faults.produced.ssmThrottled).toBe(3);
    faults.clear();
  });

  it('DynamoDB cancels a transaction with TransactionConflict, one reason per item, and writes nothing', async () => {
    faults.configure({ transactionConflictFraction: 1 });
    const transaction = new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'faults-table', Item: { pk: { S: 'a' } } } }, { Put: { TableName: 'faults-table', Item: { pk: { S: 'b' } } } }, { Put: { TableName: 'faults-table', Item: { pk: { S: 'c' } } } }] });
    const error = await proxied.send(transaction).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons!;
    expect(reasons).toHaveLength(3);
    expect(reasons.filter((r) => r.Code === 'TransactionConflict')).toHaveLength(1);
    expect(reasons.filter((r) => r.Code === 'None')).toHaveLength(2);
    expect((await direct.send(new GetItemCommand({ TableName: 'faults-table', Key: { pk: { S: 'a' } } }))).Item).toBeUndefined();
    faults.clear();
    await proxied.send(transaction);
    expect((await direct.send(new GetItemCommand({ TableName: 'faults-table', Key: { pk: { S: 'a' } } }))).Item).toEqual({ pk: { S: 'a' } });
  });

  it('DynamoDB answers ProvisionedThroughputExceededException, which the SDK retries by itself', async () => {
    faults.configure({ throughputExceededFraction: 1 });
    const put = new PutItemCommand({ TableName: 'faults-table', Item: { pk: { S: 'throttled' } } });
    await expect(proxied.send(put)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((await direct.send(new GetItemCommand({ TableName: 'faults-table', Key: { pk: { S: 'throttled' } } }))).Item).toBeUndefined();
    // Every other call throttled: the default client (3 attempts) gets through on a retry.
    let call = 0;
    const alternating = new ServiceFaults({ throughputExceededFraction: 0.5 }, () => (call++ % 2 === 0 ? 0 : 0.9));
    const alternatingProxy = await DynamoDbFaultProxy.start({ upstream: dynamodb.endpoint, faults: alternating });
    const retrying = new DynamoDBClient({ endpoint: alternatingProxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      await retrying.send(put);
      expect(alternating.produced.dynamodbThroughputExceeded).toBe(1);
    } finally {
      retrying.destroy();
      await alternatingProxy.stop();
    }
    faults.clear();
  });
});
