import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';

/** Template metadata naming the handler source module of a function. */
export const LOCAL_HANDLER_METADATA_KEY = 'cluster-update:handler';

/**
 * Records which source module (repo-relative, export `handler`) a function
 * runs, so the local Step Functions runtime can call that same module for
 * each `Fn::GetAtt [<function>, Arn]` in the synthesized definition.
 */
export function markLocalHandler(fn: LambdaFunction, entry: string): void {
  (fn.node.defaultChild as CfnFunction).addMetadata(LOCAL_HANDLER_METADATA_KEY, entry);
}
