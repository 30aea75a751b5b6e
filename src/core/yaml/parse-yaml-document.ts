import { parseDocument } from 'yaml';
import type { ZodError } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors';

/**
 * Parses YAML text into plain data; syntax errors become a ValidationError
 * naming the line and column, so an operator can find the typo.
 */
export function parseYamlDocument(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ValidationError(
      source,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        return { path: position ? `line ${position.line}, column ${position.col}` : '(document)', message: `YAML syntax: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  return document.toJS();
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

/** zod issues as operator-readable ValidationIssues. */
export function zodIssues(error: ZodError, root = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key], root), message: `unknown field '${key}'` });
      continue;
    }
    issues.push({ path: formatPath(issue.path, root), message: describeIssue(issue) });
  }
  return issues;
}

function describeIssue(issue: ZodError['issues'][number]): string {
  if (issue.code === 'invalid_type') {
    const received = (issue as { input?: unknown }).input;
    return received === undefined ? `is required (${issue.expected})` : `must be ${issue.expected}`;
  }
  if (issue.code === 'invalid_union') return `must be ${unionHint(issue.path)}`;
  return issue.message;
}

function unionHint(path: readonly PropertyKey[]): string {
  const last = String(path[path.length - 1] ?? '');
  if (last === 'maxInFlight') return 'a node count ≥ 1 or a percentage from 1% to 100% such as "25%"';
  if (last === 'canary') return '"auto" or a node id matching [a-z0-9][a-z0-9-]*';
  return 'one of the allowed forms';
}
