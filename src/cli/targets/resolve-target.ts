import { createAwsClients } from '../../aws/clients';
import { InputError } from '../../core/errors';
import { LOCAL_CREDENTIALS } from '../../local/local-credentials';
import { readLiveLocalState, resolveRunDirectory, type LocalState } from '../../local/local-state';
import type { Target } from '../target';
import type { TargetOptions } from './target-options';

/** The stack named by `--stack` does not exist or lacks the outputs the CLI reads. */
export class StackNotUsableError extends InputError {
  public constructor(public readonly stackName: string, reason: string) {
    super(`stack ${stackName}: ${reason}`);
    this.name = 'StackNotUsableError';
  }
}

const STACK_OUTPUTS = ['TableName', 'StateMachineArn', 'DocumentName'] as const;

/**
 * Turns `--target local|aws` into clients and resource names. Both kinds give
 * the same Target: everything after this line is one code path.
 */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if ((options.target ?? 'local') === 'local') {
    if (options.stack) throw new InputError('--stack goes with --target aws');
    return localTarget(readLiveLocalState(resolveRunDirectory(options.runDir)));
  }
  if (!options.stack) throw new InputError('--target aws needs --stack <name> (the deployed cluster-update stack)');
  if (options.runDir) throw new InputError('--run-dir goes with --target local');
  return awsTarget(options.stack, options.region);
}

export function localTarget(state: LocalState): Target {
  const clients = createAwsClients({
    region: state.region,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { dynamodb: state.endpoints.dynamodb, ssm: state.endpoints.ssm, ec2: state.endpoints.ec2, stepfunctions: state.endpoints.stepfunctions },
  });
  return {
    kind: 'local', clients, region: state.region, tableName: state.tableName, stateMachineArn: state.stateMachineArn,
    documentName: state.documentName, fleetUrl: state.endpoints.fleet, defaultCluster: state.cluster, defaultManifestPath: state.manifestPath,
  };
}

async function awsTarget(stackName: string, region: string | undefined): Promise<Target> {
  const clients = createAwsClients({ region });
  try {
    // Loaded only for --target aws: every command against the local runtime would pay ~0.2 CPU-s for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DescribeStacksCommand } = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
    const described = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = described.Stacks?.[0];
    if (!stack) throw new StackNotUsableError(stackName, 'not found');
    const outputs = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const missing = STACK_OUTPUTS.filter((key) => !outputs.get(key));
    if (missing.length > 0) throw new StackNotUsableError(stackName, `has no output ${missing.join(', ')}; is it a cluster-update stack (\`cdk deploy\`)?`);
    return {
      kind: 'aws', clients, region: await clients.sfn.config.region(),
      tableName: outputs.get('TableName')!, stateMachineArn: outputs.get('StateMachineArn')!, documentName: outputs.get('DocumentName')!,
    };
  } catch (error) {
    clients.destroy();
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      throw new StackNotUsableError(stackName, `does not exist in this account and region; deploy it with \`cdk deploy\` or pass --region`);
    }
    throw error;
  }
}
