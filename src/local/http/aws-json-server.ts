import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readBody, sendJson } from './json-body';
import { closeServer, listenOnLoopback } from './listen';

/**
 * An error the stand-in answers the way the real service does: HTTP 400 with
 * `{ "__type": type, "message": … }`, which the SDK v3 client turns into an
 * exception whose `name` is `type`.
 */
export class AwsServiceError extends Error {
  public constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
    this.name = type;
  }
}

/** Who made a call: the access key id of its SigV4 signature (the stand-ins that enforce IAM read it). */
export interface AwsCallContext {
  readonly accessKeyId?: string;
}

export type AwsJsonOperation = (input: Record<string, unknown>, call: AwsCallContext) => Promise<unknown> | unknown;

/** The access key id from a SigV4 Authorization header (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
export function accessKeyOf(request: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '')?.[1];
}

export interface AwsJsonServerProps {
  /** `AmazonSSM` for SSM (JSON 1.1), `AWSStepFunctions` for Step Functions (JSON 1.0). */
  readonly targetPrefix: string;
  /** `1.1` or `1.0`: the content type the answers carry. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
}

/** An HTTP server on 127.0.0.1 speaking the AWS JSON protocol for a set of operations. */
export async function startAwsJsonServer(props: AwsJsonServerProps): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const contentType = `application/x-amz-json-${props.jsonVersion}`;
  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const [prefix, operationName] = target.split('.');
    try {
      const operation = prefix === props.targetPrefix && operationName ? props.operations[operationName] : undefined;
      if (!operation) throw new AwsServiceError('UnknownOperationException', `${target || '(no X-Amz-Target)'} is not supported by this local stand-in`);
      const text = await readBody(request);
      const output = await operation(text ? (JSON.parse(text) as Record<string, unknown>) : {}, { accessKeyId: accessKeyOf(request) });
      sendJson(response, 200, output ?? {}, contentType);
    } catch (error) {
      if (error instanceof AwsServiceError) sendJson(response, error.status, { __type: error.type, message: error.message }, contentType);
      else sendJson(response, 500, { __type: 'InternalServerError', message: (error as Error).message }, contentType);
    }
  };
  const { server, url } = await listenOnLoopback((request, response) => void handler(request, response));
  return { server, url, close: () => closeServer(server) };
}
