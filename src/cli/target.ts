import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Option, type Command } from 'commander';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { InputError } from '../core/errors';
import { LOCAL_CREDENTIALS } from '../local/local-credentials';
import { readLocalState, resolveRunDirectory } from '../local/local-state';

/**
 * Where the CLI sends its calls. The same code path serves both targets:
 * only endpoints and credentials differ (DESIGN §6).
 */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly clients: AwsClients;
  readonly region: string;
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly documentName: string;
  /** Local only: the simulated fleet's controller, for what nodes themselves report. */
  readonly fleetUrl?: string;
}

export interface TargetOptions {
  readonly target?: 'local' | 'aws';
  readonly stack?: string;
  readonly region?: string;
  readonly runDir?: string;
}

/** The stack has no output the CLI needs. */
export class StackOutputMissingError extends InputError {
  public constructor(stack: string, output: string) {
    super(`stack ${stack} has no output ${output}; deploy it with \`cdk deploy\` from this version of cluster-update`);
    this.name = 'StackOutputMissingError';
  }
}

/** Adds `--target`, `--stack`, `--region` and `--run-dir` to a command. */
export function targetOptions(command: Command): Command {
  return command
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'CloudFormation stack name (with --target aws)', 'ClusterUpdate')
    .option('--region <region>', 'AWS region (with --target aws; default from the AWS environment)')
    .option('--run-dir <dir>', 'local runtime run directory (with --target local)');
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if ((options.target ?? 'local') === 'local') {
    const state = readLocalState(resolveRunDirectory(options.runDir));
    const clients = createAwsClients({
      region: state.region,
      credentials: LOCAL_CREDENTIALS,
      endpoints: { dynamodb: state.endpoints.dynamodb, ssm: state.endpoints.ssm, stepfunctions: state.endpoints.stepfunctions },
    });
    return { kind: 'local', clients, region: state.region, tableName: state.tableName, stateMachineArn: state.stateMachineArn, documentName: state.documentName, fleetUrl: state.endpoints.fleet };
  }
  const stack = options.stack ?? 'ClusterUpdate';
  const clients = createAwsClients({ region: options.region });
  const described = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
  const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new StackOutputMissingError(stack, key);
    return value;
  };
  const region = (await clients.sfn.config.region()) ?? options.region ?? '';
  return { kind: 'aws', clients, region, tableName: need('TableName'), stateMachineArn: need('StateMachineArn'), documentName: need('DocumentName') };
}
