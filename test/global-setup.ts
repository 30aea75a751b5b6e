import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { synthesizeLocalTemplate } from '../src/local/synthesize-local-template';
import type { CloudFormationTemplate } from '../src/local/template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stack as the local runtime runs it, synthesized once for the whole run (test/fixtures/local-template.ts). */
    localTemplate: CloudFormationTemplate;
  }
}

/**
 * Tests spawn bin/cluster-update.js, which runs the compiled code in dist/. Compiling first (well under a
 * second, see scripts/compile.mjs) means the binary under test is never older than the sources.
 *
 * The local runtime's template is synthesized here once and handed to every test file: each file that started a
 * runtime loaded the CDK and synthesized the same stack again, ~2.4 CPU-s each, three dozen times a run.
 */
export default function setup(project: TestProject): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'compile.mjs')], { stdio: 'ignore' });
  project.provide('localTemplate', synthesizeLocalTemplate());
}
