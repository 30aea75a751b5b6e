#!/usr/bin/env node
// The operator CLI. Runs the TypeScript sources through tsx so `npx cluster-update`
// works right after `npm ci`, with no build step.

// The AWS SDK warns on every start that its releases after January 2027 need Node 22;
// operators cannot act on that mid-update, so the SDK's own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { run } = require('tsx/cjs/api').require('../src/cli/main.ts', __filename);

run(process.argv.slice(2)).then((code) => {
  // Exit once stdout is flushed, so piped JSON output is never cut short.
  process.stdout.write('', () => process.exit(code));
});
