import { IDENTIFIER_PATTERN, RELEASE_PATTERN, type Service } from '../manifest/schema';

/**
 * The contract of the project's SSM Command document (the step runner): its
 * parameters, each with the allowedPattern SSM enforces before anything runs
 * on a node. Names and versions reach nodes only through these.
 */
export const STEP_KINDS = ['platform', 'service', 'oneoff', 'oneoff-rollback', 'service-rollback', 'pre-hook', 'post-hook', 'hook', 'drain', 'rejoin', 'health'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * Kinds that always run again (checks), never recorded in the node ledger.
 * Hooks have a kind per phase (`pre-hook`, `post-hook`): a post-update check
 * named like a pre-update one is its own step with its own ledger entry.
 */
export const UNLEDGERED_KINDS: readonly StepKind[] = ['health'];

const source = (pattern: RegExp): string => pattern.source;

export const STEP_RUNNER_PARAMETER_PATTERNS = {
  UpdateId: '^[a-z0-9][a-z0-9-]{0,79}$',
  Step: source(IDENTIFIER_PATTERN).replace('*$', '{0,62}$'),
  Release: source(RELEASE_PATTERN),
  Previous: `^(${source(RELEASE_PATTERN).slice(1, -1)})?$`,
  /** Seconds the step may run (SSM's executionTimeout range, as AWS-RunShellScript declares it). */
  ExecutionTimeout: '^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[0-1][0-9]{3}|172[0-7][0-9]{2}|172800)$',
  /**
   * The manifest's command, base64: no quoting problem can reach the shell line.
   * Well-formed base64 of at least one group, with no repeat count above 4: the
   * SSM Agent compiles allowedPattern with Go's regexp (RE2), which refuses
   * counts above 1000 and would fail every command. The size is bounded by
   * MAX_COMMAND_BYTES (command-size.ts), checked when the manifest is read.
   */
  Script: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$',
} as const;

export interface StepInvocation {
  readonly updateId: string;
  readonly kind: StepKind;
  readonly step: string;
  readonly release: string;
  readonly previous?: string;
  /** The shell command from the manifest. */
  readonly script: string;
  /** The step's timeout on the node: past it SSM kills the step and reports it TimedOut. @default 3600 */
  readonly timeoutSeconds?: number;
}

/** What a step gets when the manifest gives no timeout (the document's default). */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 3600;

/** How long a health check keeps retrying when `health.timeoutSeconds` is not given. */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 60;

/** A health step may run this much longer than its slowest check's `health.timeoutSeconds` (startup, probes). */
export const HEALTH_STEP_GRACE_SECONDS = 30;

/** The timeout of one health step checking these services: its slowest check's, plus the grace. */
export function healthStepTimeoutSeconds(services: readonly Pick<Service, 'health'>[]): number {
  return Math.max(...services.map((s) => s.health?.timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS)) + HEALTH_STEP_GRACE_SECONDS;
}

/**
 * The node-side files of the step runner, relative to the node's root (`/` on
 * a real node, `$CU_NODE_ROOT` on the simulated fleet). The execution log has
 * a start and an end record per real execution of a step's command (not per
 * command received), formats and reader in execution-log.ts; tests and chaos
 * runs count executions there, and check that no two ran at once,
 * independently of the ledger.
 */
export const STEP_RUNNER_FILES = {
  ledger: 'var/lib/cluster-update/ledger',
  inProgress: 'var/lib/cluster-update/in-progress',
  locks: 'var/lib/cluster-update/locks',
  executionLog: 'var/log/cluster-update/executions.log',
} as const;

/** SendCommand Parameters for one step. */
export function stepRunnerParameters(invocation: StepInvocation): Record<string, string[]> {
  return {
    UpdateId: [invocation.updateId],
    Kind: [invocation.kind],
    Step: [invocation.step],
    Release: [invocation.release],
    Previous: [invocation.previous ?? ''],
    Script: [Buffer.from(invocation.script, 'utf8').toString('base64')],
    ExecutionTimeout: [String(invocation.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS)],
  };
}
