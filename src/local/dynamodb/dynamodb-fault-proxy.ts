import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServiceFaults } from '../faults/service-faults';
import { accessKeyOf } from '../http/aws-json-server';
import { readBody } from '../http/json-body';
import { closeServer, listenOnLoopback } from '../http/listen';

export interface DynamoDbFaultProxyProps {
  /** DynamoDB Local's endpoint, where every request not answered with a fault goes. */
  readonly upstream: string;
  readonly faults: ServiceFaults;
  /** Called with every request before it is forwarded; throw a DynamoDbError to refuse it. @default allow */
  readonly authorize?: (request: DynamoDbRequest) => void | Promise<void>;
}

/** One DynamoDB JSON-protocol call as the proxy sees it. */
export interface DynamoDbRequest {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly accessKeyId?: string;
}

/** A DynamoDB error answer in its JSON protocol shape (`__type` with the service namespace). */
export class DynamoDbError extends Error {
  public constructor(public readonly type: string, message: string, public readonly extra: Record<string, unknown> = {}, public readonly status = 400) {
    super(message);
    this.name = type;
  }
}

const NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

/**
 * An HTTP proxy on 127.0.0.1 in front of DynamoDB Local that answers a
 * fraction of calls with the faults DynamoDB produces and DynamoDB Local never
 * does, shaped as DynamoDB's JSON protocol shapes them
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html):
 * - TransactWriteItems → TransactionCanceledException with one
 *   `CancellationReasons` entry per item, one of them `TransactionConflict`
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html);
 * - any other call → ProvisionedThroughputExceededException.
 * Nothing answered with a fault reaches DynamoDB Local, as on AWS.
 */
export class DynamoDbFaultProxy {
  public static async start(props: DynamoDbFaultProxyProps): Promise<DynamoDbFaultProxy> {
    const proxy = new DynamoDbFaultProxy(props);
    const { server, url } = await listenOnLoopback((request, response) => void proxy.handle(request, response));
    proxy.server = server;
    proxy.endpoint = url;
    return proxy;
  }

  public endpoint = '';
  private server?: Server;
  private readonly upstream: URL;

  private constructor(private readonly props: DynamoDbFaultProxyProps) {
    this.upstream = new URL(props.upstream);
  }

  public async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
    this.server = undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await readBody(request, 32 * 1024 * 1024);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      await this.props.authorize?.({ operation, input, accessKeyId: accessKeyOf(request) });
      this.injectFault(operation, input);
      await this.forward(request, body, response);
    } catch (error) {
      const known = error instanceof DynamoDbError ? error : new DynamoDbError('InternalServerError', (error as Error).message, {}, 500);
      const text = JSON.stringify({ __type: `${NAMESPACE}#${known.type}`, message: known.message, ...known.extra });
      response.writeHead(known.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': 'local-fault' });
      response.end(text);
    }
  }

  private injectFault(operation: string, input: Record<string, unknown>): void {
    const faults = this.props.faults;
    if (operation === 'TransactWriteItems') {
      if (!faults.conflictTransaction()) return;
      const items = Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
      const conflicted = Math.floor(Math.random() * items);
      const reasons = Array.from({ length: items }, (_, i) => (i === conflicted ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' }));
      throw new DynamoDbError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, { CancellationReasons: reasons });
    }
    if (operation !== '' && faults.exceedThroughput()) {
      throw new DynamoDbError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.');
    }
  }

  private forward(request: IncomingMessage, body: string, response: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: this.upstream.hostname, port: this.upstream.port, path: request.url, method: request.method, headers: { ...request.headers, host: this.upstream.host } },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.once('end', () => resolve());
          answer.once('error', reject);
        },
      );
      upstream.once('error', reject);
      upstream.end(body);
    });
  }
}
