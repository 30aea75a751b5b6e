import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeLocalTemplate } from '../../../src/local/synthesize-local-template';

describe('the local runtime synthesizing its template', () => {
  const savedTmpdir = process.env.TMPDIR;
  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  });

  it('returns the stack template and leaves nothing in the temporary directory (every demo and `local up` synthesizes)', { timeout: 60_000 }, () => {
    // os.tmpdir() reads TMPDIR on every call: this synthesis writes under a directory of the test's own.
    const scratch = mkdtempSync(join(tmpdir(), 'cu-synth-test-'));
    process.env.TMPDIR = scratch;
    try {
      const template = synthesizeLocalTemplate();
      expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toBe(true);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
