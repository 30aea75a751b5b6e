import { Option, type Command } from 'commander';

export interface TargetOptions {
  /** `local` (default): the stand-ins `local up` started; `aws`: a deployed stack. */
  readonly target?: 'local' | 'aws';
  /** With `--target aws`: the CloudFormation stack to read the outputs of. */
  readonly stack?: string;
  /** With `--target aws`: @default the SDK's (AWS_REGION, profile) */
  readonly region?: string;
  /** With `--target local`: the run directory of `local up`. */
  readonly runDir?: string;
}

/** Adds `--target`, `--stack`, `--region` and `--run-dir` to a command that talks to a control plane. */
export function targetOptions(command: Command): Command {
  return command
    .addOption(new Option('--target <where>', 'local stand-ins or a deployed stack').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'with --target aws: the CloudFormation stack (outputs TableName, StateMachineArn, DocumentName)')
    .option('--region <region>', 'with --target aws: the stack\'s region (default: AWS_REGION / profile)')
    .option('--run-dir <dir>', 'with --target local: run directory of `local up` (default: $CLUSTER_UPDATE_HOME or ./.local)');
}
