/**
 * Every failure the project names is a subclass of ClusterUpdateError.
 *
 * Callers branch with `instanceof`; the CLI maps classes to exit codes in one
 * place (InputError and its subclasses → 2, everything else → 1). Each error
 * carries the data that explains it, so a message can say who holds what.
 */
export class ClusterUpdateError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterUpdateError';
  }
}

/** Bad input from the operator: exit code 2, nothing touched. */
export class InputError extends ClusterUpdateError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** One problem found while validating a manifest or inventory, with where it is. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `services[3].dependsOn[0]` or `inventory.nodes[2].id`. */
  readonly path: string;
  /** What is wrong, in words an operator understands. */
  readonly message: string;
}

/** A manifest or inventory that does not validate; lists every issue found. */
export class ValidationError extends InputError {
  public readonly issues: readonly ValidationIssue[];
  public constructor(source: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(`${source} is invalid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** The service graph has a cycle; `path` starts and ends with the same service. */
export class DependencyCycleError extends InputError {
  public readonly path: readonly string[];
  public constructor(path: readonly string[]) {
    super(`dependency cycle: ${path.join(' -> ')}`);
    this.name = 'DependencyCycleError';
    this.path = path;
  }
}

/** No plan can keep every service at or above its minHealthy. */
export class NoSafePlanError extends InputError {
  public readonly service: string;
  public constructor(service: string, message: string) {
    super(message);
    this.name = 'NoSafePlanError';
    this.service = service;
  }
}
