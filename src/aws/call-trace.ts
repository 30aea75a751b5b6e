import { appendFileSync } from 'node:fs';

/**
 * Opt-in timing of every AWS SDK call a process makes: with CLUSTER_UPDATE_TRACE_CALLS=<file>, each call
 * appends one JSON line `{ at, pid, client, command, ms, error? }` to that file. It answers "where does the time
 * between two steps go" on the local runtime, whose handlers run inside the runtime's own process, where no
 * outside tool sees their calls. Off (nothing added to the clients) unless the variable is set.
 */
export const TRACE_CALLS_VARIABLE = 'CLUSTER_UPDATE_TRACE_CALLS';

/** The part of an SDK v3 client the trace needs: its middleware stack. */
interface TraceableClient {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void;
  };
}

interface HandlerContext {
  readonly clientName?: string;
  readonly commandName?: string;
}

type Handler = (args: unknown) => Promise<unknown>;

/** Adds the trace to a client when the variable names a file; returns the client. */
export function traceCalls<C extends TraceableClient>(client: C, file: string | undefined = process.env[TRACE_CALLS_VARIABLE]): C {
  if (!file) return client;
  // The initialize step wraps the whole call, retries and their back-off included: the time the caller waits.
  const middleware = (next: Handler, context: HandlerContext) => async (args: unknown) => {
    const started = Date.now();
    let error: string | undefined;
    try {
      return await next(args);
    } catch (caught) {
      error = caught instanceof Error ? caught.name : 'Error';
      throw caught;
    } finally {
      const line = { at: started, pid: process.pid, client: context.clientName, command: context.commandName, ms: Date.now() - started, ...(error ? { error } : {}) };
      // Synchronous: lines from one process never interleave, and a trace is opt-in diagnostics, not the hot path.
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    }
  };
  client.middlewareStack.add(middleware, { step: 'initialize', name: 'clusterUpdateCallTrace', override: true });
  return client;
}
