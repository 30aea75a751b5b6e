#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClusterUpdateStack } from '../lib/cluster-update-stack';

/** `cdk synth` / `cdk deploy`: the stack, checked by cdk-nag's AwsSolutions rules. */
const app = new App();
new ClusterUpdateStack(app, app.node.tryGetContext('stackName') ?? 'ClusterUpdate', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  // `cdk deploy -c notificationEmail=ops@example.com` subscribes that address to the notifications topic.
  notificationEmail: app.node.tryGetContext('notificationEmail') as string | undefined,
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
