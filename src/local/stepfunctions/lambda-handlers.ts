import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { LOCAL_HANDLER_METADATA_KEY } from '../../../lib/private/local-handler';
import { invocationCredentials } from '../../aws/invocation-credentials';
import { functionCredentials } from '../iam/local-iam';
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

/**
 * Lambda ended the invocation at the function's configured timeout; Step
 * Functions sees the error `Sandbox.Timedout` (matched by `States.TaskFailed`
 * and `States.ALL` in Retry and Catch).
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export class LambdaTimedOutError extends Error {
  public constructor(fn: LocalFunction) {
    super(`${fn.name}: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'Sandbox.Timedout';
  }
}

/** Imports a handler module (compiled JS when present, else the .ts source through tsx) and wraps it with a Lambda-like context. */
export function loadHandler(fn: LocalFunction, repoRoot: string): (event: unknown) => Promise<unknown> {
  const path = isAbsolute(fn.entry) ? fn.entry : join(repoRoot, fn.entry);
  let handler: LambdaHandler | undefined;
  const load = (): LambdaHandler => {
    // The compiled CLI (dist/) runs the compiled handler beside it; the sources run the .ts through tsx.
    const compiled = path.replace(/\.ts$/, '.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = (existsSync(compiled) ? require(compiled) : tsxRequire(path, __filename)) as Record<string, unknown>;
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
    // The configured timeout is enforced as Lambda does. The handler cannot be killed in this process, so
    // it runs on unobserved (on AWS its sandbox is frozen): its late writes meet the fence, as there.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LambdaTimedOutError(fn)), fn.timeoutSeconds * 1000);
    });
    // The function's own credentials for its AWS calls (the local IAM evaluates them against its role), race-free
    // across concurrent invocations of different functions, unlike process.env.
    const invocation = Promise.resolve().then(() => invocationCredentials.run(functionCredentials(fn.logicalId), () => handler!(event, context)));
    invocation.catch(() => undefined); // a rejection after the timeout is no one's to handle
    try {
      return await Promise.race([invocation, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}
