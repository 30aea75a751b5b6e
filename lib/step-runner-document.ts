import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { STEP_KINDS, STEP_RUNNER_PARAMETER_PATTERNS, UNLEDGERED_KINDS } from '../src/core/step-runner/step-runner-contract';

export interface StepRunnerDocumentProps {
  /** The document name. @default a name CloudFormation generates */
  readonly documentName?: string;
  /** Longest a step may run on a node. @default 3600 */
  readonly executionTimeoutSeconds?: number;
}

/**
 * The SSM Command document every workflow command uses. It runs one step of
 * an update on a node, at most once per (update, kind, step): a ledger under
 * /var/lib/cluster-update makes a re-sent command a no-op. Every parameter is
 * validated by SSM with an allowedPattern; the manifest's command arrives
 * base64-encoded, so nothing is ever spliced into the shell line unvalidated.
 */
export class StepRunnerDocument extends Construct {
  public readonly document: CfnDocument;

  public constructor(scope: Construct, id: string, props: StepRunnerDocumentProps = {}) {
    super(scope, id);
    const p = STEP_RUNNER_PARAMETER_PATTERNS;
    const unledgered = UNLEDGERED_KINDS.map((k) => `"$CU_KIND" != "${k}"`).join(' ] && [ ');
    this.document = new CfnDocument(this, 'Document', {
      name: props.documentName,
      documentType: 'Command',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description: 'cluster-update step runner: runs one step of an update on this node, once per (update, kind, step).',
        parameters: {
          UpdateId: { type: 'String', description: 'The update id.', allowedPattern: p.UpdateId },
          Kind: { type: 'String', description: 'What the step is.', allowedValues: [...STEP_KINDS] },
          Step: { type: 'String', description: 'Platform step, service or hook name.', allowedPattern: p.Step },
          Release: { type: 'String', description: 'The release being installed.', allowedPattern: p.Release },
          Previous: { type: 'String', description: 'The release being replaced (may be empty).', default: '', allowedPattern: p.Previous },
          Script: { type: 'String', description: "The manifest's command, base64-encoded.", allowedPattern: p.Script },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'runStep',
            inputs: {
              timeoutSeconds: String(props.executionTimeoutSeconds ?? 3600),
              runCommand: [
                '#!/bin/bash',
                'set -u',
                "export CU_UPDATE_ID='{{ UpdateId }}' CU_KIND='{{ Kind }}' CU_STEP='{{ Step }}' CU_RELEASE='{{ Release }}' CU_PREVIOUS='{{ Previous }}'",
                'ledger_dir="${CU_NODE_ROOT:-}/var/lib/cluster-update/ledger/${CU_UPDATE_ID}"',
                'ledger="${ledger_dir}/${CU_KIND}--${CU_STEP}"',
                `if [ ${unledgered} ] && [ -f "$ledger" ]; then echo "cluster-update: $CU_KIND $CU_STEP already done at $(cat "$ledger")"; exit 0; fi`,
                'script="$(mktemp)"',
                'trap \'rm -f "$script"\' EXIT',
                "printf '%s' '{{ Script }}' | base64 -d > \"$script\"",
                'bash "$script"',
                'rc=$?',
                `if [ "$rc" -eq 0 ] && [ ${unledgered} ]; then mkdir -p "$ledger_dir" && date -u +%Y-%m-%dT%H:%M:%SZ > "$ledger"; fi`,
                'exit "$rc"',
              ],
            },
          },
        ],
      },
    });
  }

  /** The document name (a Ref). */
  public get documentName(): string {
    return this.document.ref;
  }
}
