import { IDENTIFIER_PATTERN, RELEASE_PATTERN } from '../manifest/schema';

/**
 * The contract of the project's SSM Command document (the step runner): its
 * parameters, each with the allowedPattern SSM enforces before anything runs
 * on a node. Names and versions reach nodes only through these.
 */
export const STEP_KINDS = ['platform', 'service', 'oneoff', 'oneoff-rollback', 'service-rollback', 'hook', 'drain', 'rejoin', 'health'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Kinds that always run again (checks), never recorded in the node ledger. */
export const UNLEDGERED_KINDS: readonly StepKind[] = ['health'];

const source = (pattern: RegExp): string => pattern.source;

export const STEP_RUNNER_PARAMETER_PATTERNS = {
  UpdateId: '^[a-z0-9][a-z0-9-]{0,79}$',
  Step: source(IDENTIFIER_PATTERN).replace('*$', '{0,62}$'),
  Release: source(RELEASE_PATTERN),
  Previous: `^(${source(RELEASE_PATTERN).slice(1, -1)})?$`,
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
}

/** SendCommand Parameters for one step. */
export function stepRunnerParameters(invocation: StepInvocation): Record<string, string[]> {
  return {
    UpdateId: [invocation.updateId],
    Kind: [invocation.kind],
    Step: [invocation.step],
    Release: [invocation.release],
    Previous: [invocation.previous ?? ''],
    Script: [Buffer.from(invocation.script, 'utf8').toString('base64')],
  };
}
