#!/usr/bin/env node
// The operator CLI. Runs the compiled JavaScript in dist/ (`npm run build`; `prepare` builds it on `npm ci`
// and `npm pack`), which starts in a fraction of the time compiling TypeScript at run time takes. A checkout
// that was never built (`npm ci --ignore-scripts`) still works: the sources run through tsx.

// The AWS SDK warns on every start that its releases after January 2027 need Node 22;
// operators cannot act on that mid-update, so the SDK's own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Node 22.1+ keeps V8's compiled code of the modules on disk (in the OS temp directory), which takes about a
// third off each later start; older Node lacks the function, and it never fails a run.
require('node:module').enableCompileCache?.();

const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const { run } = existsSync(compiled) ? require(compiled) : require('tsx/cjs/api').require('../src/cli/main.ts', __filename);

run(process.argv.slice(2)).then((code) => {
  // Exit once stdout is flushed, so piped JSON output is never cut short.
  process.stdout.write('', () => process.exit(code));
});
