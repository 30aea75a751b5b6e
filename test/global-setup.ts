import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Tests spawn bin/cluster-update.js, which runs the compiled code in dist/. Compiling first (well under a
 * second, see scripts/compile.mjs) means the binary under test is never older than the sources.
 */
export default function compileBeforeTests(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'compile.mjs')], { stdio: 'ignore' });
}
