import { setTimeout as sleep } from 'node:timers/promises';
import { faultPointFires } from './local-fault-point';

/** How far past its function timeout an invocation held by this fault runs on. */
const PAST_TIMEOUT_MS = 1_000;

/**
 * When the local runtime arms a `lambda-timeout` fault point for this task (`local fault lambda-timeout --task
 * <task>`, or CLUSTER_UPDATE_FAULT_LAMBDA_TIMEOUT), its next invocation stalls until past its function timeout
 * before it does its work: the runtime ends the invocation with `Sandbox.Timedout` (what Step Functions sees)
 * while the handler goes on and does the work late, as a slow invocation would — its writes meet the fence and
 * the checkpoints' idempotency. Never active on AWS (local-fault-point.ts).
 */
export async function outlastFunctionTimeout(task: string, remainingMs: (() => number) | undefined, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (remainingMs === undefined || !faultPointFires('lambda-timeout', task, env)) return;
  await sleep(remainingMs() + PAST_TIMEOUT_MS);
}
