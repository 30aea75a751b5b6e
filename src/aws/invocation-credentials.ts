import { AsyncLocalStorage } from 'node:async_hooks';

/** Static credentials for one principal. */
export interface InvocationCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The credentials of the Lambda function whose invocation is running, where
 * several functions share one process (the local Step Functions runtime runs
 * every handler in-process, Parallel branches at once). On Lambda it is never
 * set: each function has its own process and its role's credentials in its
 * environment. Read through AsyncLocalStorage, so concurrent invocations of
 * different functions never see each other's credentials, unlike process.env.
 */
export const invocationCredentials: AsyncLocalStorage<InvocationCredentials> = processWide();

/**
 * One instance per process, whichever copy of this module asks: the local runtime loads handler modules through
 * tsx's require (a module registry of its own), so a plain module-level instance would not be the one it sets.
 */
function processWide(): AsyncLocalStorage<InvocationCredentials> {
  const key = Symbol.for('cluster-update.invocationCredentials');
  const registry = globalThis as unknown as Record<symbol, AsyncLocalStorage<InvocationCredentials> | undefined>;
  return (registry[key] ??= new AsyncLocalStorage<InvocationCredentials>());
}
