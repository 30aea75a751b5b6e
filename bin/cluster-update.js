#!/usr/bin/env node
// The operator CLI. Runs the TypeScript sources through tsx so `npx cluster-update`
// works right after `npm ci`, with no build step.
const { run } = require('tsx/cjs/api').require('../src/cli/main.ts', __filename);

run(process.argv.slice(2)).then((code) => {
  // Exit once stdout is flushed, so piped JSON output is never cut short.
  process.stdout.write('', () => process.exit(code));
});
