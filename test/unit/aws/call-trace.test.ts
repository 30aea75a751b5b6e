import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceCalls } from '../../../src/aws/call-trace';

/**
 * The opt-in trace of SDK calls, on the real DynamoDB client against a stand-in on 127.0.0.1 that answers as
 * DynamoDB does (JSON 1.0; an error is HTTP 400 with `__type`,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
describe('traceCalls', () => {
  let server: Server;
  let endpoint: string;
  let directory: string;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cu-trace-'));
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const missing = (JSON.parse(body) as { TableName: string }).TableName === 'missing';
        // A 40 ms answer: the trace must time the whole call, not only the SDK's own work.
        setTimeout(() => {
          response.writeHead(missing ? 400 : 200, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(missing ? JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' }) : '{}');
        }, 40);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  const client = (file: string | undefined) =>
    traceCalls(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 }), file);
  const get = (tableName: string) => new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'x' } } });

  it('writes one line per call, with the client, the command, its duration and the error a failed one met', async () => {
    const file = join(directory, 'calls.jsonl');
    const traced = client(file);
    await traced.send(get('present'));
    await expect(traced.send(get('missing'))).rejects.toThrow(/not found/);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ client, command, error }) => ({ client, command, error }))).toEqual([
      { client: 'DynamoDBClient', command: 'GetItemCommand', error: undefined },
      { client: 'DynamoDBClient', command: 'GetItemCommand', error: 'ResourceNotFoundException' },
    ]);
    for (const line of lines) {
      expect(line.ms).toBeGreaterThanOrEqual(35);
      expect(line.pid).toBe(process.pid);
    }
    traced.destroy();
  });

  it('adds nothing to a client when no file is named', () => {
    const plain = client(undefined);
    expect(plain.middlewareStack.identify().some((entry) => entry.includes('clusterUpdateCallTrace'))).toBe(false);
    expect(client(join(directory, 'other.jsonl')).middlewareStack.identify().some((entry) => entry.includes('clusterUpdateCallTrace'))).toBe(true);
  });
});
