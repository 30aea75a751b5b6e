import { App, Aspects, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClusterUpdateStack } from './cluster-update-stack';

export interface ClusterUpdateAppProps {
  /** CDK context (`cdk synth -c key=value`). @default none */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The process environment. @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
  /** Where the cloud assembly is written. @default the CDK's (the CLI's cdk.out) */
  readonly outdir?: string;
}

/**
 * The stack is region- and account-agnostic (AWS::Region / AWS::AccountId in
 * every ARN, condition and policy) unless the user pins an environment with
 * `-c account=… -c region=…` or CLUSTER_UPDATE_ACCOUNT / CLUSTER_UPDATE_REGION.
 * CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION are deliberately not used: the CDK
 * CLI always sets them (to us-east-1 without a configured region), which pinned
 * every SendCommand resource to one region, denied everywhere else.
 */
export function stackEnvironment(context: Readonly<Record<string, unknown>>, environment: NodeJS.ProcessEnv): Environment | undefined {
  const account = (context.account as string | undefined) ?? environment.CLUSTER_UPDATE_ACCOUNT;
  const region = (context.region as string | undefined) ?? environment.CLUSTER_UPDATE_REGION;
  return account || region ? { account, region } : undefined;
}

/** `cdk synth` / `cdk deploy`: the stack, checked by cdk-nag's AwsSolutions rules. */
export function createClusterUpdateApp(props: ClusterUpdateAppProps = {}): { app: App; stack: ClusterUpdateStack } {
  const app = new App({ outdir: props.outdir, context: props.context ? { ...props.context } : undefined });
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const stack = new ClusterUpdateStack(app, (context('stackName') as string | undefined) ?? 'ClusterUpdate', {
    env: stackEnvironment({ account: context('account'), region: context('region') }, props.environment ?? process.env),
    // `cdk deploy -c notificationEmail=ops@example.com` subscribes that address to the notifications topic.
    notificationEmail: context('notificationEmail') as string | undefined,
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}
