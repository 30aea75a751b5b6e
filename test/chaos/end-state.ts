import { ListCommandsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetExecutionHistoryCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkExecutionLogs, parseExecutionLog, type ExecutionLogVerdict } from '../../src/core/step-runner/execution-log';
import { STEP_RUNNER_FILES } from '../../src/core/step-runner/step-runner-contract';
import { fleetNodes } from './availability-observer';

/** A fleet operations-log entry (`GET <fleet>/operations`): what `cu-node` really did on a node. */
interface FleetOperation {
  readonly at: string;
  readonly node: string;
  readonly operation: string;
  readonly name?: string;
  readonly release?: string;
  readonly ok: boolean;
}

export interface ExactlyOnceEvidence {
  /** (node, operation, name) → times it succeeded during the run, where that is not once. */
  readonly notOnce: readonly { node: string; operation: string; name?: string; times: number }[];
  readonly counted: number;
}

/**
 * Exactly once, from the nodes' side: during the run, every ledgered
 * operation of the release succeeded exactly once per node (a one-off once
 * in the cluster), however often its command was sent, re-sent or resumed.
 * Health checks are not ledgered and are left out.
 */
export async function exactlyOnce(
  fleetUrl: string,
  since: number,
  release: string,
  expected: { platformSteps: readonly string[]; services: Readonly<Record<string, readonly string[]>>; oneOffs: readonly string[]; hooks: readonly { name: string; phase: string }[]; nodes: readonly string[] },
): Promise<ExactlyOnceEvidence> {
  const response = await fetch(`${fleetUrl}/operations`);
  const log = ((await response.json()) as FleetOperation[]).filter((o) => o.ok && Date.parse(o.at) >= since);
  const count = (predicate: (o: FleetOperation) => boolean) => log.filter(predicate).length;
  const notOnce: { node: string; operation: string; name?: string; times: number }[] = [];
  let counted = 0;
  const expect = (node: string, operation: string, name: string | undefined, times: number, want = 1) => {
    counted += 1;
    if (times !== want) notOnce.push({ node, operation, ...(name ? { name } : {}), times });
  };
  for (const node of expected.nodes) {
    for (const step of expected.platformSteps) expect(node, 'platform-install', step, count((o) => o.node === node && o.operation === 'platform-install' && o.name === step && o.release === release));
    for (const [service, hosts] of Object.entries(expected.services)) {
      if (hosts.includes(node)) expect(node, 'service-update', service, count((o) => o.node === node && o.operation === 'service-update' && o.name === service && o.release === release));
    }
    expect(node, 'drain', undefined, count((o) => o.node === node && o.operation === 'drain'));
    expect(node, 'rejoin', undefined, count((o) => o.node === node && o.operation === 'rejoin'), countAtLeast(log, node));
    for (const hook of expected.hooks) {
      const want = expected.hooks.filter((h) => h.name === hook.name).length;
      expect(node, 'hook', hook.name, count((o) => o.node === node && o.operation === 'hook' && o.name === hook.name), want);
    }
  }
  for (const oneOff of expected.oneOffs) expect('cluster', 'oneoff-run', oneOff, count((o) => o.operation === 'oneoff-run' && o.name === oneOff && o.release === release));
  return { notOnce: dedupe(notOnce), counted };
}

/** A node rejoins once per time it was drained. */
function countAtLeast(log: readonly FleetOperation[], node: string): number {
  return Math.max(1, log.filter((o) => o.node === node && o.operation === 'drain').length);
}

function dedupe<T>(items: T[]): T[] {
  return [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
}

export interface LeftBehindEvidence {
  readonly lock: { state?: string; fence?: number };
  readonly heldMutexes: readonly string[];
  readonly heldSlots: readonly string[];
  readonly commandsInProgress: readonly string[];
  readonly nodesDrainedOrDown: readonly string[];
}

/** Nothing left behind: lock FREE, no mutex or slot held, no command in flight, every node up and in the cluster. */
export async function leftBehind(clients: { documents: DynamoDBDocumentClient; ssm: SSMClient }, tableName: string, cluster: string, fleetUrl: string): Promise<LeftBehindEvidence> {
  const { Item: lock } = await clients.documents.send(new GetCommand({ TableName: tableName, Key: { pk: `LOCK#${cluster}`, sk: 'LOCK' }, ConsistentRead: true }));
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true, FilterExpression: 'begins_with(pk, :m) OR begins_with(pk, :s)', ExpressionAttributeValues: { ':m': 'MUTEX#', ':s': 'SLOTS#' } }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const nowSeconds = Date.now() / 1000;
  const heldMutexes = items.filter((i) => String(i.pk).startsWith('MUTEX#') && i.holder && Number(i.expiresAt ?? Infinity) > nowSeconds).map((i) => `${String(i.pk)} held by ${String(i.holder)}`);
  const heldSlots = items.filter((i) => String(i.pk).startsWith('SLOTS#') && setSize(i.holders) > 0).map((i) => `${String(i.pk)}: ${[...(i.holders as Set<string>)].join(',')}`);
  const commands = await clients.ssm.send(new ListCommandsCommand({ MaxResults: 50 }));
  const commandsInProgress = (commands.Commands ?? []).filter((c) => c.Status === 'Pending' || c.Status === 'InProgress').map((c) => `${c.CommandId} ${c.Comment ?? ''}`);
  const nodes = await fleetNodes(fleetUrl);
  const nodesDrainedOrDown = nodes.filter((n) => n.drained || !n.online).map((n) => `${n.id}${n.drained ? ' drained' : ''}${n.online ? '' : ' down'}`);
  return { lock: { state: lock?.state as string | undefined, fence: lock ? Number(lock.fence) : undefined }, heldMutexes, heldSlots, commandsInProgress, nodesDrainedOrDown };
}

function setSize(value: unknown): number {
  if (value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  return 0;
}

export interface LimitsEvidence {
  readonly executions: number;
  readonly largestHistoryEvents: number;
  /** Task failures in the executions' own histories by error (Lambda.Unknown: a crash; Sandbox.Timedout: a Lambda timeout), each retried or caught. */
  readonly taskErrors: Readonly<Record<string, number>>;
  /** The first cause of each of those errors (shortened), to tell an injected fault from a defect. */
  readonly taskErrorCauses: Readonly<Record<string, string>>;
}

/** Within AWS limits: every execution of the update under 25,000 history events. */
export async function historyLimits(sfn: SFNClient, stateMachineArn: string, updateId: string): Promise<LimitsEvidence> {
  const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }))).executions ?? [];
  const mine = executions.filter((e) => e.name === updateId || e.name?.startsWith(`${updateId}-r`));
  let largest = 0;
  const taskErrors: Record<string, number> = {};
  const taskErrorCauses: Record<string, string> = {};
  for (const execution of mine) {
    let events = 0;
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn!, maxResults: 1000, nextToken }));
      events += page.events?.length ?? 0;
      for (const event of page.events ?? []) {
        const failed = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
        if (!failed?.error) continue;
        taskErrors[failed.error] = (taskErrors[failed.error] ?? 0) + 1;
        taskErrorCauses[failed.error] ??= (failed.cause ?? '').slice(0, 300);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    largest = Math.max(largest, events);
  }
  return { executions: mine.length, largestHistoryEvents: largest, taskErrors, taskErrorCauses };
}

export interface StaleWriteEvidence {
  /** Checkpoints written with a fence after the lock had moved past it. */
  readonly staleWrites: readonly string[];
}

/**
 * One actor: no checkpoint of an older fence landed after a newer fence
 * existed. `fenceSeenAt(f)` is when the lock sampler first saw a fence above f.
 */
export async function staleWrites(documents: DynamoDBDocumentClient, tableName: string, updateId: string, firstSeenAbove: (fence: number) => number | undefined): Promise<StaleWriteEvidence> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cp)', ExpressionAttributeValues: { ':pk': `UPDATE#${updateId}`, ':cp': 'CP#' }, ExclusiveStartKey: startKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const stale: string[] = [];
  for (const item of items) {
    const written = Date.parse(String(item.endedAt ?? item.startedAt ?? ''));
    const movedAt = firstSeenAbove(Number(item.fence));
    // The sampler reads twice a second; a write within that slack of the move may have preceded it.
    if (Number.isFinite(written) && movedAt !== undefined && written > movedAt + 1000) stale.push(`${String(item.sk)} fence ${String(item.fence)} at ${String(item.endedAt ?? item.startedAt)}`);
  }
  return { staleWrites: stale.slice(0, 10) };
}

export type NeverTwoCopiesEvidence = ExecutionLogVerdict & { readonly nodes: number };

/**
 * Never two copies at once, from the nodes' own execution logs (the step runner's start and end records,
 * execution-log.ts): no ledgered (node, step) of the update completed twice, and no two executions of the same
 * (node, step) overlapped in time, however often its command was sent, re-sent, retried or resumed.
 */
export function neverTwoCopies(runDirectory: string, nodes: readonly string[], updateId: string): NeverTwoCopiesEvidence {
  const logs: Record<string, ReturnType<typeof parseExecutionLog>> = {};
  for (const node of nodes) {
    const file = join(runDirectory, 'nodes', node, STEP_RUNNER_FILES.executionLog);
    logs[node] = existsSync(file) ? parseExecutionLog(readFileSync(file, 'utf8')).filter((e) => e.updateId === updateId) : [];
  }
  const verdict = checkExecutionLogs(logs);
  return { ...verdict, ranTwice: verdict.ranTwice.slice(0, 10), overlaps: verdict.overlaps.slice(0, 10), unended: verdict.unended.slice(0, 10), nodes: nodes.length };
}
