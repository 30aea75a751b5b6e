import { CancelCommandCommand, ListCommandInvocationsCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { PollSchedule } from './poll-schedule';

/** SendCommand takes at most 50 instance ids. */
export const MAX_INSTANCES_PER_COMMAND = 50;

/** The nodes in batches of at most 50, one SendCommand each. */
export function commandBatches<T>(nodes: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < nodes.length; i += MAX_INSTANCES_PER_COMMAND) batches.push(nodes.slice(i, i + MAX_INSTANCES_PER_COMMAND));
  return batches;
}

export type InvocationOutcome = 'pending' | 'succeeded' | 'failed';

export interface InvocationResult {
  readonly instanceId: string;
  /** The API's status: Pending, InProgress, Success, Failed, TimedOut, Cancelled, … */
  readonly status: string;
  readonly statusDetails: string;
  readonly outcome: InvocationOutcome;
  readonly responseCode: number;
  /** Up to 2,500 characters of output (the list API's limit). */
  readonly output: string;
}

export interface CommandRunnerProps {
  readonly ssm: SSMClient;
  /** The project's step-runner document. */
  readonly documentName: string;
  /** SendCommand `DocumentVersion`: the version the canary validated, pinned after the hand-over. @default the document's default version */
  readonly documentVersion?: string;
  /** Awaited right before every SendCommand call; throwing stops the send (the task handler's fence check). */
  readonly beforeSend?: () => Promise<void>;
}

export interface SendRequest {
  readonly instanceIds: readonly string[];
  readonly parameters: Record<string, string[]>;
  /** How long SSM waits to deliver to an offline node. @default 600 */
  readonly deliveryTimeoutSeconds?: number;
  readonly comment?: string;
}

const TERMINAL_SUCCESS = new Set(['Success']);
const TERMINAL_FAILURE = new Set(['Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated']);

/**
 * Runs the step runner on nodes through SSM Run Command. SendCommand has no
 * idempotency token, so callers store the returned command ids in their
 * checkpoint before waiting, and a rerun re-attaches with `results`.
 */
export class CommandRunner {
  private readonly ssm: SSMClient;
  private readonly documentName: string;
  private readonly documentVersion?: string;
  private readonly beforeSend?: () => Promise<void>;

  public constructor(props: CommandRunnerProps) {
    this.ssm = props.ssm;
    this.documentName = props.documentName;
    this.documentVersion = props.documentVersion;
    this.beforeSend = props.beforeSend;
  }

  /**
   * Sends ONE command to at most 50 nodes and returns its id. A caller with
   * more nodes sends batch after batch and stores each id before sending the
   * next, so a failure (a throttle) on batch k loses nothing of batches 0..k-1.
   */
  public async send(request: SendRequest): Promise<string> {
    if (request.instanceIds.length === 0 || request.instanceIds.length > MAX_INSTANCES_PER_COMMAND) {
      throw new RangeError(`SendCommand takes 1 to ${MAX_INSTANCES_PER_COMMAND} instance ids, not ${request.instanceIds.length}: send batch by batch (commandBatches)`);
    }
    // The fence is checked right before every SendCommand: a task that lost the lock sends nothing.
    await this.beforeSend?.();
    const sent = await this.ssm.send(
      new SendCommandCommand({
        DocumentName: this.documentName,
        ...(this.documentVersion ? { DocumentVersion: this.documentVersion } : {}),
        InstanceIds: [...request.instanceIds],
        Parameters: request.parameters,
        TimeoutSeconds: request.deliveryTimeoutSeconds ?? 600,
        // Our own waves and slots decide concurrency; one failing node must not stop the others' invocations.
        MaxConcurrency: String(MAX_INSTANCES_PER_COMMAND),
        MaxErrors: String(MAX_INSTANCES_PER_COMMAND),
        Comment: request.comment?.slice(0, 100),
      }),
    );
    return sent.Command!.CommandId!;
  }

  /** Every invocation of the commands, with its outcome. */
  public async results(commandIds: readonly string[]): Promise<InvocationResult[]> {
    const results: InvocationResult[] = [];
    for (const commandId of commandIds) {
      let nextToken: string | undefined;
      do {
        const page = await this.ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, NextToken: nextToken, MaxResults: 50 }));
        for (const invocation of page.CommandInvocations ?? []) {
          const plugin = invocation.CommandPlugins?.[0];
          const status = invocation.Status ?? 'Pending';
          results.push({
            instanceId: invocation.InstanceId!,
            status,
            statusDetails: invocation.StatusDetails ?? status,
            outcome: TERMINAL_SUCCESS.has(status) ? 'succeeded' : TERMINAL_FAILURE.has(status) ? 'failed' : 'pending',
            responseCode: plugin?.ResponseCode ?? -1,
            output: plugin?.Output ?? '',
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return results;
  }

  /**
   * Polls until every invocation has finished or the budget runs out; returns what it saw last. The pauses
   * follow PollSchedule: quick at first, backing off to `pollMs`, and one poll aimed at `expectedMs` when given.
   */
  public async waitFor(commandIds: readonly string[], budgetMs: number, pollMs = 1000, options: { readonly expectedMs?: number } = {}): Promise<InvocationResult[]> {
    const began = Date.now();
    const deadline = began + budgetMs;
    const schedule = new PollSchedule({ ceilingMs: pollMs, expectedMs: options.expectedMs });
    for (;;) {
      const results = await this.results(commandIds);
      if (results.every((r) => r.outcome !== 'pending') || Date.now() >= deadline) return results;
      const pause = schedule.next(Date.now() - began);
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Cancels what still runs of each command; one SSM no longer knows (expired) cannot be running and is passed over. */
  public async cancel(commandIds: readonly string[]): Promise<void> {
    for (const commandId of commandIds) {
      try {
        await this.ssm.send(new CancelCommandCommand({ CommandId: commandId }));
      } catch (error) {
        if (!(error instanceof Error && error.name === 'InvalidCommandId')) throw error;
      }
    }
  }
}
