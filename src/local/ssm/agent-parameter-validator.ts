import { RE2JS } from 're2js';
import type { SsmDocumentContent } from './ssm-document';

/**
 * What the SSM Agent checks on the node before it runs a document: every
 * parameter value against its `allowedPattern`, compiled with Go's regexp
 * (RE2 syntax: no backreferences or lookaround, repeat counts ≤ 1000) and
 * matched unanchored, as Go's `MatchString` does
 * (amazon-ssm-agent, agent/framework/docparser/paramvalidator/allowedregexparamvalidator).
 * A pattern RE2 cannot compile fails the command on every node before anything
 * runs, although the SSM API accepted the SendCommand.
 * re2js is a port of RE2/J, which follows Go's regexp syntax.
 *
 * Returns why the agent refuses the values, or undefined when it runs them.
 */
export function agentRefusal(document: SsmDocumentContent, values: Readonly<Record<string, readonly string[]>>): string | undefined {
  for (const [name, spec] of Object.entries(document.parameters ?? {})) {
    if (!spec.allowedPattern) continue;
    let pattern: RE2JS;
    try {
      pattern = compileAllowedPattern(spec.allowedPattern);
    } catch (error) {
      return `failed to validate parameter ${name}: allowedPattern ${spec.allowedPattern} does not compile: ${(error as Error).message}`;
    }
    for (const value of values[name] ?? []) {
      if (!pattern.test(value)) return `parameter value for ${name} does not match the allowed pattern ${spec.allowedPattern}`;
    }
  }
  return undefined;
}

/** Patterns compiled so far (or RE2's refusal): a document's handful of patterns is checked on every SendCommand. */
const compiled = new Map<string, RE2JS | Error>();

/** Compiles an allowedPattern as the agent does (Go regexp / RE2); throws when RE2 refuses it. */
export function compileAllowedPattern(pattern: string): RE2JS {
  let result = compiled.get(pattern);
  if (result === undefined) {
    try {
      result = RE2JS.compile(pattern);
    } catch (error) {
      result = error as Error;
    }
    compiled.set(pattern, result);
  }
  if (result instanceof Error) throw result;
  return result;
}
