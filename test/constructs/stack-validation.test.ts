import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, CfnResource } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import { createClusterUpdateApp } from '../../lib/cluster-update-app';

interface ValidationReport {
  readonly pluginReports: { readonly pluginName: string; readonly violations: { readonly ruleName: string; readonly description: string }[] }[];
}

/**
 * `cdk synth` runs the CDK's built-in CloudFormation validation (the resource schemas CloudFormation itself checks
 * a template against) and writes what it found to validation-report.json; it only warns by default. The local
 * runtime synthesizes without it (src/local/synthesize-local-template.ts), so this is where the template is held
 * to it.
 */
function synthesizedFindings(change?: (app: App) => void): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'cu-validate-'));
  try {
    const { app } = createClusterUpdateApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, environment: {} });
    change?.(app);
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    return report.pluginReports.flatMap((plugin) => plugin.violations.map((v) => `${plugin.pluginName} ${v.ruleName}: ${v.description}`));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the deployed template against CloudFormation resource schemas', () => {
  it('has no findings', { timeout: 60_000 }, () => {
    expect(synthesizedFindings()).toEqual([]);
  });

  it('finds a property the resource type does not have (the check is on)', { timeout: 60_000 }, () => {
    // The CDK prints its warnings as well: expected here, kept out of the suite's output.
    const printed = [vi.spyOn(console, 'error').mockImplementation(() => {}), vi.spyOn(console, 'warn').mockImplementation(() => {}), vi.spyOn(console, 'log').mockImplementation(() => {})];
    const findings = synthesizedFindings((app) => {
      const table = app.node.findAll().find((c) => (c as CfnResource).cfnResourceType === 'AWS::DynamoDB::Table') as CfnResource;
      table.addPropertyOverride('NotAProperty', 1);
    });
    for (const spy of printed) spy.mockRestore();
    expect(findings.join('\n')).toMatch(/NotAProperty/);
  });
});
