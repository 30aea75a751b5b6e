import { App } from 'aws-cdk-lib';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import type { CloudFormationTemplate } from './template';

/**
 * Synthesizes the real stack in-process, without bundling (the local runtime
 * imports the handler sources directly), and returns its CloudFormation template.
 */
export function synthesizeLocalTemplate(): CloudFormationTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClusterUpdateStack(app, 'ClusterUpdateLocal', {});
  return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
}
