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

/** How many issues a ValidationError's message lists before "… and N more" (all stay in `issues`). */
export const LISTED_ISSUES = 20;

/**
 * A manifest or inventory that does not validate; `issues` holds every issue found. The message is one line
 * for one issue (`m.yaml is invalid: services[3].minHealthy: expected an integer ≥ 0, got 1.5`), else a header
 * and the first LISTED_ISSUES, so a file with thousands of problems does not flood the terminal.
 */
export class ValidationError extends InputError {
  public readonly issues: readonly ValidationIssue[];
  public constructor(source: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(validationMessage(source, issues), options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

function validationMessage(source: string, issues: readonly ValidationIssue[]): string {
  if (issues.length === 1) return `${source} is invalid: ${issues[0]!.path}: ${issues[0]!.message}`;
  const listed = issues.slice(0, LISTED_ISSUES).map((i) => `  - ${i.path}: ${i.message}`);
  if (issues.length > LISTED_ISSUES) listed.push(`  … and ${issues.length - LISTED_ISSUES} more`);
  return `${source} is invalid: ${issues.length} problems:\n${listed.join('\n')}`;
}

/** An input file is larger than anything sensible of its kind; refused before it is parsed. */
export class InputTooLargeError extends InputError {
  public readonly file: string;
  public readonly bytes: number;
  public readonly limitBytes: number;
  public constructor(kind: string, file: string, bytes: number, limitBytes: number) {
    super(`${kind} file ${file} is ${mebibytes(bytes)}; a ${kind} may be at most ${mebibytes(limitBytes)}`);
    this.name = 'InputTooLargeError';
    this.file = file;
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }
}

function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/** An input file is not UTF-8 text (UTF-16, binary, a broken byte sequence). */
export class InputEncodingError extends InputError {
  public readonly file: string;
  public constructor(kind: string, file: string, reason: string) {
    super(`${kind} file ${file} ${reason}; save it as UTF-8`);
    this.name = 'InputEncodingError';
    this.file = file;
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
