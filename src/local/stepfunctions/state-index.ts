/** What the local runtime needs to know about each state of a definition, by (unique) state name. */
export interface StateInfo {
  readonly type: string;
  /** The Lambda function ARN a Task state calls (direct ARN or lambda:invoke FunctionName). */
  readonly lambdaArn?: string;
  /** `arn:aws:states:::lambda:invoke`: the payload is wrapped in { Payload } both ways. */
  readonly invokeIntegration: boolean;
  /** Set for states inside a DISTRIBUTED Map's ItemProcessor: the Map's name (their events go to child executions). */
  readonly distributedMap?: string;
  readonly isDistributedMap: boolean;
}

interface Definition {
  States: Record<string, Record<string, unknown>>;
}

/** Walks a definition, including Map processors and Parallel branches. */
export function indexStates(definition: Definition): Map<string, StateInfo> {
  const index = new Map<string, StateInfo>();
  const walk = (states: Record<string, Record<string, unknown>>, distributedMap?: string): void => {
    for (const [name, state] of Object.entries(states)) {
      const type = String(state.Type);
      const resource = typeof state.Resource === 'string' ? state.Resource : undefined;
      const invokeIntegration = resource?.startsWith('arn:aws:states:::lambda:invoke') ?? false;
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      const lambdaArn = type === 'Task' ? (invokeIntegration ? (parameters.FunctionName as string | undefined) : resource?.includes(':lambda:') ? resource : undefined) : undefined;
      const processor = (state.ItemProcessor ?? state.Iterator) as (Definition & { ProcessorConfig?: { Mode?: string } }) | undefined;
      const isDistributedMap = type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
      index.set(name, { type, lambdaArn, invokeIntegration, distributedMap, isDistributedMap });
      if (processor) walk(processor.States, isDistributedMap ? name : distributedMap);
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) walk(branch.States, distributedMap);
    }
  };
  walk(definition.States);
  return index;
}
