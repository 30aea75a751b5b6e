import { parseDocument } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors';
import { describeExpected, describeFound, schemaAtPath, valueAtPath } from './describe-input';

/** Aliases a document may dereference: far more than a hand-written manifest uses, far fewer than a bomb. */
const MAX_ALIAS_COUNT = 100;
/** The parser reports running out of stack (deep nesting) as syntax errors at the place it gave up. */
const STACK_EXHAUSTED = /Maximum call stack|Stack overflow/i;

/**
 * Parses YAML text into plain data; syntax errors become a ValidationError naming the line and column, so an
 * operator can find the typo. Documents built to exhaust the parser are refused the same way: an alias bomb
 * ("billion laughs": aliases of aliases that expand to billions of nodes) and nesting too deep to walk.
 */
export function parseYamlDocument(text: string, source: string): unknown {
  try {
    const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (document.errors.some((error) => STACK_EXHAUSTED.test(error.message))) throw new RangeError('stack exhausted while parsing');
    if (document.errors.length > 0) {
      throw new ValidationError(
        source,
        document.errors.map((error) => {
          const position = error.linePos?.[0];
          return { path: position ? `line ${position.line}, column ${position.col}` : '(document)', message: `YAML syntax: ${error.message.split('\n')[0]}` };
        }),
      );
    }
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(source, [{ path: '(document)', message: resourceExhaustion(error) }], { cause: error });
  }
}

function resourceExhaustion(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReferenceError && /alias/i.test(message)) {
    return `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} alias references; an alias bomb?): write the values out or use fewer aliases`;
  }
  if (error instanceof RangeError) return 'YAML nested too deeply to read (lists or mappings inside each other thousands of levels deep)';
  return `YAML could not be read: ${message.split('\n')[0]}`;
}

/** `['services', 3, 'dependsOn', 0]` → `services[3].dependsOn[0]`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/**
 * zod issues as operator-readable ValidationIssues: the field path, what was expected (from the schema itself,
 * so it cannot drift from what is checked) and what was found (from the input), e.g.
 * `services[3].minHealthy: expected an integer ≥ 0, got 1.5`.
 */
export function zodIssues(error: ZodError, schema: ZodType, input: unknown, root = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key], root), message: `unknown field '${key}'` });
      continue;
    }
    issues.push({ path: formatPath(issue.path, root), message: describeIssue(issue, schema, input) });
  }
  return issues;
}

function describeIssue(issue: ZodError['issues'][number], schema: ZodType, input: unknown): string {
  const value = valueAtPath(input, issue.path);
  const found = describeFound(value);
  const field = schemaAtPath(schema, issue.path);
  // A message the schema wrote itself ("must match [a-z0-9]…", "must not be empty") already says what is
  // expected, except for a field of several forms, where it speaks for the one form zod tried last.
  if (!isZodDefaultMessage(issue.message) && !field?.anyOf) return `${issue.message}, got ${found}`;
  const expected = describeExpected(field);
  if (expected === undefined) return `${issue.message}, got ${found}`;
  return `expected ${expected}, got ${found}${value === undefined ? ' (the field is required)' : ''}`;
}

function isZodDefaultMessage(message: string): boolean {
  return /^(Invalid|Too (small|big)|Expected|Number must|String must)/.test(message);
}
