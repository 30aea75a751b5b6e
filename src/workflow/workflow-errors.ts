import { ClusterUpdateError, InputError } from '../core/errors';

/**
 * The errors a task ends with. Their `name` is the Step Functions error the
 * state machine sees (Lambda's errorType), so Catch and the execution's
 * `error` field name what happened.
 */
export class HookFailedError extends ClusterUpdateError {
  public constructor(public readonly hook: string, public readonly failures: readonly string[]) {
    super(`hook ${hook} failed on ${failures.length} node(s): ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`);
    this.name = 'HookFailedError';
  }
}

export class HookNotSkippableError extends InputError {
  public constructor(public readonly hook: string) {
    super(`hook ${hook} cannot be skipped (it is not marked skippable: true in the manifest)`);
    this.name = 'HookNotSkippableError';
  }
}

export class CanaryFailedError extends ClusterUpdateError {
  public constructor(public readonly node: string, public readonly step: string, detail: string) {
    super(`canary ${node} failed at ${step}: ${detail}. Nothing else was touched; fix it and run \`cluster-update resume\``);
    this.name = 'CanaryFailedError';
  }
}

export class TooManyFailedNodesError extends ClusterUpdateError {
  /** `nodeErrors`: each failed node's error (which step failed, and how), so the cause says it without a status call. */
  public constructor(public readonly failedNodes: readonly string[], public readonly allowed: number, public readonly nodeErrors: Readonly<Record<string, string>> = {}) {
    const details = failedNodes.filter((n) => nodeErrors[n]).map((n) => `${n}: ${nodeErrors[n]}`);
    super(`${failedNodes.length} node(s) failed (${failedNodes.join(', ')}), more than maxFailedNodes ${allowed}; the rollout stopped${details.length > 0 ? ` — ${details.join('; ')}` : ''}`);
    this.name = 'TooManyFailedNodesError';
  }
}

export class UpdatePartiallyFailedError extends ClusterUpdateError {
  public constructor(cause: string) {
    super(cause);
    this.name = 'UpdatePartiallyFailed';
  }
}

export class UpdateStoppedError extends ClusterUpdateError {
  public constructor(updateId: string) {
    super(`update ${updateId} was stopped by the operator between waves/levels; run \`cluster-update resume ${updateId}\` to continue`);
    this.name = 'UpdateStopped';
  }
}
