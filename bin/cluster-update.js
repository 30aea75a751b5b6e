#!/usr/bin/env node
// The operator CLI. Runs the TypeScript sources through tsx so `npx cluster-update`
// works right after `npm ci`, with no build step.

// The AWS SDK warns on every start that its releases after January 2027 need Node 22;
// operators cannot act on that mid-update, so that one warning is dropped.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name = typeof warning === 'object' && warning ? warning.name : typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'NodeVersionSupportWarning') return;
  emitWarning(warning, ...rest);
};

const { run } = require('tsx/cjs/api').require('../src/cli/main.ts', __filename);

run(process.argv.slice(2)).then((code) => {
  // Exit once stdout is flushed, so piped JSON output is never cut short.
  process.stdout.write('', () => process.exit(code));
});
