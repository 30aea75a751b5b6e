import { randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { LOCAL_HANDLER_METADATA_KEY } from '../../../lib/private/local-handler';
import { findResources, resolveValue, resourceArn, type CloudFormationTemplate } from '../template';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown> | unknown;

/** A function the template declares, with the source module that implements it. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** A Lambda function in the template has no `cluster-update:handler` metadata. */
export class MissingHandlerMetadataError extends Error {
  public constructor(logicalId: string) {
    super(`Lambda function ${logicalId} has no '${LOCAL_HANDLER_METADATA_KEY}' metadata; mark it with markLocalHandler()`);
    this.name = 'MissingHandlerMetadataError';
  }
}

export function localFunctions(template: CloudFormationTemplate): LocalFunction[] {
  return Object.entries(findResources(template, 'AWS::Lambda::Function'))
    .filter(([, resource]) => resource.Metadata?.[LOCAL_HANDLER_METADATA_KEY] !== undefined || !isCdkSingleton(resource))
    .map(([logicalId, resource]) => {
      const entry = resource.Metadata?.[LOCAL_HANDLER_METADATA_KEY];
      if (typeof entry !== 'string') throw new MissingHandlerMetadataError(logicalId);
      const properties = resource.Properties ?? {};
      const variables = ((resolveValue(template, properties.Environment ?? {}) as { Variables?: Record<string, unknown> }).Variables ?? {}) as Record<string, unknown>;
      return {
        logicalId,
        arn: resourceArn(template, logicalId),
        name: resourceArn(template, logicalId).split(':').pop()!,
        entry,
        timeoutSeconds: Number(properties.Timeout ?? 3),
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      };
    });
}

/** CDK's own helper functions (log retention, custom resources) have no handler of ours and never run in a state machine. */
function isCdkSingleton(resource: { Properties?: Record<string, unknown> }): boolean {
  const code = resource.Properties?.Code as { ZipFile?: unknown; S3Key?: unknown } | undefined;
  return code?.ZipFile !== undefined;
}

/** Imports a handler module through tsx (so .ts sources run as they are) and wraps it with a Lambda-like context. */
export function loadHandler(fn: LocalFunction, repoRoot: string): (event: unknown) => Promise<unknown> {
  const path = isAbsolute(fn.entry) ? fn.entry : join(repoRoot, fn.entry);
  let handler: LambdaHandler | undefined;
  const load = (): LambdaHandler => {
    const module = tsxRequire(path, __filename) as Record<string, unknown>;
    if (typeof module.handler !== 'function') throw new Error(`${fn.entry} exports no function 'handler'`);
    return module.handler as LambdaHandler;
  };
  // Compiled now, while the runtime starts, not at a task's first invocation: compiling a module blocks this one
  // process for seconds on a busy machine, a pause no running task (nor its lease heartbeat) should see.
  try {
    handler = load();
  } catch {
    handler = undefined; // reported by the first invocation, as before
  }
  return async (event: unknown) => {
    handler ??= load();
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: '512',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    return handler(event, context);
  };
}
