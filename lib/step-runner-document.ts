import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DEFAULT_STEP_TIMEOUT_SECONDS, STEP_KINDS, STEP_RUNNER_FILES, STEP_RUNNER_PARAMETER_PATTERNS, UNLEDGERED_KINDS } from '../src/core/step-runner/step-runner-contract';

export interface StepRunnerDocumentProps {
  /** The document name. @default a name CloudFormation generates */
  readonly documentName?: string;
}

/**
 * The SSM Command document every workflow command uses. It runs one step of
 * an update on a node, at most once per (update, kind, step):
 *
 *   copy A ──flock──► ledger? no ─► marker(A) ─► log start ─► run ─► ledger ─► rm marker ─► log end ─► unlock
 *   copy B ──flock (waits for A) ─────────────────────────────────────────────► ledger? yes ─► "already done"
 *
 * - a lock per (update, kind, step) on the node (flock): a second copy of the
 *   same step (a re-sent or duplicated command) waits for the first, then sees
 *   its ledger entry; unrelated steps never wait on each other;
 * - an in-progress marker holding the command id: a run that finds one knows an
 *   earlier attempt was interrupted (killed, timed out) and says so;
 * - the execution log: a start record per real execution (written as it starts, so a
 *   killed run counts too) and an end record with its exit code, separate from the ledger;
 * - the step's timeout is the `ExecutionTimeout` parameter (the manifest's
 *   `timeoutSeconds`): past it SSM kills the step and reports it TimedOut.
 * Every parameter is validated by SSM with an allowedPattern; the manifest's
 * command arrives base64-encoded, so nothing is spliced into the shell line unvalidated.
 */
export class StepRunnerDocument extends Construct {
  public readonly document: CfnDocument;

  public constructor(scope: Construct, id: string, props: StepRunnerDocumentProps = {}) {
    super(scope, id);
    const p = STEP_RUNNER_PARAMETER_PATTERNS;
    const f = STEP_RUNNER_FILES;
    const ledgered = UNLEDGERED_KINDS.map((k) => `"$CU_KIND" != "${k}"`).join(' ] && [ ');
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
          ExecutionTimeout: { type: 'String', description: "The step's timeout in seconds (the manifest's timeoutSeconds).", default: String(DEFAULT_STEP_TIMEOUT_SECONDS), allowedPattern: p.ExecutionTimeout },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'runStep',
            inputs: {
              timeoutSeconds: '{{ ExecutionTimeout }}',
              runCommand: [
                '#!/bin/bash',
                'set -u',
                "export CU_UPDATE_ID='{{ UpdateId }}' CU_KIND='{{ Kind }}' CU_STEP='{{ Step }}' CU_RELEASE='{{ Release }}' CU_PREVIOUS='{{ Previous }}'",
                'root="${CU_NODE_ROOT:-}"',
                `ledger_dir="$root/${f.ledger}/$CU_UPDATE_ID"`,
                'ledger="$ledger_dir/$CU_KIND--$CU_STEP"',
                `marker="$root/${f.inProgress}/$CU_UPDATE_ID--$CU_KIND--$CU_STEP"`,
                `lock="$root/${f.locks}/$CU_UPDATE_ID--$CU_KIND--$CU_STEP"`,
                `log="$root/${f.executionLog}"`,
                // Every process this script starts before the step's command and after it is time on the critical path
                // of every step, so it starts only four: flock, base64, the command's bash and one rm. Timestamps come
                // from bash itself (printf %()T, EPOCHREALTIME from bash 5.0; `date` on an older bash).
                `stamp() { if [ -n "\${EPOCHREALTIME:-}" ]; then local t="$EPOCHREALTIME"; local ms="\${t#*[.,]}000"; TZ=UTC0 printf -v "$1" '%(%Y-%m-%dT%H:%M:%S)T.%sZ' "\${t%[.,]*}" "\${ms:0:3}"; else printf -v "$1" '%s' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"; fi; }`,
                // The agent runs this script from a directory named after the command id (…/<command-id>/…).
                'command_id=unknown',
                'if [[ "$0 $PWD" =~ [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} ]]; then command_id="${BASH_REMATCH[0]}"; fi',
                '[ -d "$ledger_dir" ] && [ -d "${marker%/*}" ] && [ -d "${lock%/*}" ] && [ -d "${log%/*}" ] || mkdir -p "$ledger_dir" "${marker%/*}" "${lock%/*}" "${log%/*}"',
                'exec 9>"$lock"',
                'flock 9',
                `if [ ${ledgered} ] && [ -f "$ledger" ]; then echo "cluster-update: $CU_KIND $CU_STEP already done at $(<"$ledger")"; exit 0; fi`,
                'if [ -f "$marker" ]; then echo "cluster-update: $CU_KIND $CU_STEP: an earlier attempt ($(<"$marker")) did not finish; running it again"; fi',
                "TZ=UTC0 printf '%s %(%Y-%m-%dT%H:%M:%SZ)T\\n' \"$command_id\" -1 > \"$marker\"",
                // The command's file is this step's own (the flock above makes it so): no mktemp.
                'script="$lock.sh"',
                // The execution log's start and end records (execution-log.ts), paired by `<command id>-<pid>`; the end
                // record is written on every exit, a cancel's or timeout's SIGTERM included (not after SIGKILL).
                'execution="$command_id-$$"',
                'started=no',
                `finish() { rc=$?; [ ! -e "$script" ] || rm -f "$script"; if [ "$started" = yes ]; then stamp at; printf '%s %s %s %s %s ended %s %s\\n' "$at" "$command_id" "$CU_UPDATE_ID" "$CU_KIND" "$CU_STEP" "$execution" "$rc" >> "$log"; fi; }`,
                'trap finish EXIT',
                "trap 'exit 143' TERM",
                "base64 -d <<< '{{ Script }}' > \"$script\"",
                'stamp at',
                'printf \'%s %s %s %s %s started %s\\n\' "$at" "$command_id" "$CU_UPDATE_ID" "$CU_KIND" "$CU_STEP" "$execution" >> "$log"',
                'started=yes',
                'bash "$script" 9>&-',
                'rc=$?',
                `if [ "$rc" -eq 0 ] && [ ${ledgered} ]; then TZ=UTC0 printf '%(%Y-%m-%dT%H:%M:%SZ)T\\n' -1 > "$ledger"; fi`,
                'rm -f "$marker" "$script"',
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
