import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ClusterUpdateStack } from '../../lib/cluster-update-stack';
import { localPollBudgetSeconds } from './local-poll-settings';
import type { CloudFormationTemplate } from './template';

/**
 * Synthesizes the real stack in-process, without bundling (the local runtime
 * imports the handler sources directly), and returns its CloudFormation template.
 * The stack gets the local poll budget, so each function's timeout is the one a
 * stack deployed with that budget has (budget + 60 s: 80 s by default, not the
 * 300 s of the default 240 s budget) — the timeout the local runtime enforces.
 */
export function synthesizeLocalTemplate(props: { pollBudgetSeconds?: number } = {}): CloudFormationTemplate {
  // The cloud assembly is only a way to the template: written to a directory of our own and removed, not to
  // the CDK's default of a new cdk.outXXXXXX under the temporary directory on every demo, `local up` and test.
  const outdir = mkdtempSync(join(tmpdir(), 'cu-synth-'));
  try {
    // Without the CDK's built-in CloudFormation validation: it took 2.2 of the 2.4 s this synthesis cost on every
    // demo, `local up` and test harness, for the same finding every time. The template it checks is the one `cdk
    // synth` / `cdk deploy` validate, and a construct test holds it to zero findings (stack-validation.test.ts).
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ClusterUpdateStack(app, 'ClusterUpdateLocal', { pollBudgetSeconds: props.pollBudgetSeconds ?? localPollBudgetSeconds() });
    return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
