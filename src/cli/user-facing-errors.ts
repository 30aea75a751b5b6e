import { CommanderError } from 'commander';
import { ClusterUpdateError } from '../core/errors';
import { EXIT_BAD_INPUT, EXIT_FAILED, exitCodeFor } from './exit-codes';

/** What the operator sees when a command cannot go on: one line and the exit code. */
export interface UserFacingFailure {
  /** One line: the problem and the next step. */
  readonly message: string;
  readonly exitCode: number;
  /** False for conditions we recognise: their trace helps nobody (CLUSTER_UPDATE_DEBUG=1 shows it anyway). */
  readonly unexpected: boolean;
}

const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'RequestThrottled', 'SlowDown']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidSignatureException', 'SignatureDoesNotMatch']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

/**
 * The one place where a failure becomes what the operator reads. Nothing a
 * user can cause or meet prints a stack trace: an unreachable endpoint, AWS
 * throttling, missing or rejected credentials, a denial, an execution Step
 * Functions no longer knows. Each is one line naming the problem and the next
 * step, with exit 2 (exit 1 is for an update that failed, which commands
 * return rather than throw). Only an error we did not foresee is `unexpected`.
 */
export function describeFailure(error: unknown): UserFacingFailure {
  // Our own errors are written for the operator as they are: one line, or a list whose first line says what is
  // wrong (a manifest with many problems lists the first 20, "and N more"). Anything foreign is folded to one line.
  if (error instanceof ClusterUpdateError) return { message: error.message.trim(), exitCode: exitCodeFor(error), unexpected: false };
  if (error instanceof CommanderError) return { message: oneLine(error.message), exitCode: exitCodeFor(error), unexpected: false };
  const known = describeKnown(error);
  if (known) return { message: oneLine(known), exitCode: EXIT_BAD_INPUT, unexpected: false };
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { message: `${oneLine(detail)} (an unexpected error; run again with CLUSTER_UPDATE_DEBUG=1 for the trace)`, exitCode: EXIT_FAILED, unexpected: true };
}

function describeKnown(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const name = error.name;
  const text = error.message;
  const code = networkCode(error);
  if (code) {
    const where = /(\d{1,3}(?:\.\d{1,3}){3}:\d+|[\w.-]+\.amazonaws\.com(?::\d+)?)/.exec(collectMessages(error))?.[1];
    const local = where?.startsWith('127.');
    return local
      ? `the local runtime does not answer at ${where} (${code}): it has stopped or crashed; run \`cluster-update local up\` (with the same --run-dir) to bring it back, the update continues`
      : `cannot reach ${where ?? 'the AWS endpoint'} (${code}); check the network, --region and any proxy settings, then run the command again`;
  }
  if (name === 'ExecutionDoesNotExist') {
    return `Step Functions no longer knows the update's execution (${text}): executions are kept 90 days on AWS; \`cluster-update resume <updateId>\` starts a new execution for the update, finished steps are skipped`;
  }
  if (name === 'StateMachineDoesNotExist') return `the state machine does not exist (${text}); deploy the stack (\`cdk deploy\`) or check --stack and --region`;
  if (THROTTLED.has(name)) return `AWS throttled the request (${name}: ${text}); nothing was changed by it — wait a few seconds and run the command again`;
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(text)) {
    return 'no AWS credentials found: configure them (`aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or use the local runtime (--target local)';
  }
  if (BAD_CREDENTIALS.has(name)) return `AWS rejected the credentials (${name}: ${text}); refresh them (e.g. \`aws sso login\`) and run the command again`;
  if (DENIED.has(name)) return `AWS denied the request (${name}: ${text}); use credentials whose policy allows the operator actions listed in the README, or ask an administrator`;
  if (name === 'ResourceNotFoundException') return `an AWS resource the command needs does not exist (${text}); check --stack and --region (is the stack deployed?)`;
  if (name === 'TimeoutError' && /abort|timed? ?out/i.test(text)) return `a request timed out (${text}); check the endpoint is up, then run the command again`;
  return undefined;
}

/** The errno-style code of a failed connection, wherever the SDK or fetch put it. */
function networkCode(error: Error): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown[] }).errors; // AggregateError of a dual-stack connect
    if (Array.isArray(errors)) for (const inner of errors) if (typeof (inner as { code?: unknown }).code === 'string' && UNREACHABLE_CODES.has((inner as { code: string }).code)) return (inner as { code: string }).code;
  }
  return undefined;
}

function collectMessages(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    parts.push(String((current as { message?: unknown }).message ?? ''));
    for (const inner of (current as { errors?: unknown[] }).errors ?? []) parts.push(String((inner as { message?: unknown }).message ?? ''));
  }
  return parts.join(' ');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
