import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterUpdateApp } from '../../lib/cluster-update-app';

/**
 * A template synthesized without a pinned environment uses the pseudo parameters
 * AWS::Region / AWS::AccountId (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html)
 * so it deploys to any region and account; the CDK CLI sets CDK_DEFAULT_REGION (us-east-1 when none is configured)
 * and CDK_DEFAULT_ACCOUNT on every `cdk synth`, which must not pin it
 * (https://docs.aws.amazon.com/cdk/v2/guide/configure-env.html).
 */
const REGION = /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[0-9]\b/g;
const ACCOUNT = /(?<![0-9a-f])[0-9]{12}(?![0-9a-f])/g;

function synth(context: Record<string, unknown>, environment: NodeJS.ProcessEnv): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cu-cdk-test-')); // not the CDK's default cdk.outXXXXXX, never removed
  try {
    const { app, stack } = createClusterUpdateApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context }, environment });
    return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the stack is region- and account-agnostic unless an environment is pinned', () => {
  it('has no region or account literal when synthesized as `cdk synth` does (CDK_DEFAULT_* set)', () => {
    const template = synth({}, { CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '123456789012' });
    expect(template.match(REGION) ?? []).toEqual([]);
    expect(template.match(ACCOUNT) ?? []).toEqual([]);
    expect(template).toContain('"Ref":"AWS::Region"');
    expect(template).toContain('"Ref":"AWS::AccountId"');
  });

  it('pins the environment the user gives (-c region=… -c account=…)', () => {
    const template = synth({ region: 'eu-west-3', account: '210987654321' }, {});
    expect(template).toContain('eu-west-3');
    expect(template).toContain('210987654321');
  });
});
