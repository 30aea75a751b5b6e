import { AwsServiceError } from '../http/aws-json-server';

/** The subset of an SSM Command document (schemaVersion 2.2) the emulator runs. */
export interface SsmDocumentContent {
  readonly schemaVersion: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, SsmDocumentParameter>>;
  readonly mainSteps: readonly { action: string; name: string; inputs: { runCommand: readonly string[] | string; timeoutSeconds?: number | string; workingDirectory?: string } }[];
}

export interface SsmDocumentParameter {
  readonly type: 'String' | 'StringList' | 'Integer' | 'Boolean';
  readonly description?: string;
  readonly default?: unknown;
  readonly allowedPattern?: string;
  readonly allowedValues?: readonly string[];
}

/** AWS-RunShellScript, as AWS ships it (commands, workingDirectory, executionTimeout). */
export const RUN_SHELL_SCRIPT: SsmDocumentContent = {
  schemaVersion: '2.2',
  description: 'Run a shell script.',
  parameters: {
    commands: { type: 'StringList', description: 'Commands to run.' },
    workingDirectory: { type: 'String', default: '', description: 'Working directory.' },
    executionTimeout: { type: 'String', default: '3600', allowedPattern: '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)' },
  },
  mainSteps: [{ action: 'aws:runShellScript', name: 'runShellScript', inputs: { runCommand: '{{ commands }}', workingDirectory: '{{ workingDirectory }}', timeoutSeconds: '{{ executionTimeout }}' } }],
};

/** A runnable script after parameter validation and substitution. */
export interface ResolvedScript {
  readonly script: string;
  /** Every parameter's values after defaults, as the agent receives them. */
  readonly values: Readonly<Record<string, readonly string[]>>;
  readonly timeoutSeconds: number;
  readonly workingDirectory?: string;
}

/**
 * Validates SendCommand Parameters against the document (unknown, missing,
 * allowedPattern, allowedValues) exactly where the real API would refuse them
 * (InvalidParameters), then substitutes `{{ Name }}` in the steps. The API
 * matches with its own regular expressions (JavaScript's here); what the
 * agent on the node then checks with RE2 is agent-parameter-validator.ts.
 */
export function resolveScript(document: SsmDocumentContent, given: Readonly<Record<string, readonly string[]>>): ResolvedScript {
  const declared = document.parameters ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new AwsServiceError('InvalidParameters', `Parameter "${name}" is not defined in the document.`);
  }
  const values: Record<string, string[]> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const supplied = given[name];
    let list: string[];
    if (supplied !== undefined) list = [...supplied];
    else if (spec.default !== undefined) list = Array.isArray(spec.default) ? spec.default.map(String) : [String(spec.default)];
    else throw new AwsServiceError('InvalidParameters', `Parameter "${name}" is required but was not provided.`);
    if (spec.type !== 'StringList' && list.length > 1) throw new AwsServiceError('InvalidParameters', `Parameter "${name}" takes one value.`);
    for (const value of list) {
      if (spec.allowedPattern && !new RegExp(spec.allowedPattern).test(value)) {
        throw new AwsServiceError('InvalidParameters', `Parameter "${name}" value "${value}" does not match the allowed pattern ${spec.allowedPattern}.`);
      }
      if (spec.allowedValues && !spec.allowedValues.includes(value)) {
        throw new AwsServiceError('InvalidParameters', `Parameter "${name}" value "${value}" is not one of the allowed values: ${spec.allowedValues.join(', ')}.`);
      }
    }
    values[name] = list;
  }
  const substitute = (text: string): string => text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => (values[name] ?? []).join('\n'));
  const lines: string[] = [];
  let timeoutSeconds = 3600;
  let workingDirectory: string | undefined;
  for (const step of document.mainSteps) {
    if (step.action !== 'aws:runShellScript') throw new AwsServiceError('InvalidDocument', `action ${step.action} is not supported by the local SSM emulator`);
    const commands = step.inputs.runCommand;
    if (typeof commands === 'string') lines.push(substitute(commands));
    else for (const line of commands) lines.push(substitute(line));
    if (step.inputs.timeoutSeconds !== undefined) timeoutSeconds = Number(substitute(String(step.inputs.timeoutSeconds))) || 3600;
    if (step.inputs.workingDirectory) workingDirectory = substitute(step.inputs.workingDirectory) || undefined;
  }
  return { script: lines.join('\n'), values, timeoutSeconds, workingDirectory };
}
