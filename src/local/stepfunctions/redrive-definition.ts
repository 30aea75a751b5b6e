import { processorOf, SCAFFOLD_PREFIX, type ScopeDefinition, type StateDefinition } from './definition-layout';
import type { RunTrace } from './run-trace';

/** What the library runs to redrive an execution, and how its states map back to the definition's. */
export interface RedriveDefinition {
  readonly definition: ScopeDefinition;
  /** Copies of composite states (with only their unfinished branches or iterations left) → the original name. */
  readonly aliases: Readonly<Record<string, string>>;
}

const INDEX = `${SCAFFOLD_PREFIX}index`;
const ITEM = `${SCAFFOLD_PREFIX}item`;

/**
 * The definition a redrive runs, built around aws-local-stepfunctions (which can only run a definition from its
 * StartAt): each scope starts with an invisible Pass that restores the input of the state where it stopped and
 * jumps there; a Parallel or Map that stopped is replaced by a copy whose succeeded branches and iterations
 * return their recorded output at once and whose unfinished ones continue where they stopped, while iterations
 * that never started run from the processor's start. A loop that enters the composite state again later meets
 * the original. Undefined when the trace says nothing about the top scope (an older journal): rerun it all.
 */
export function redriveDefinition(definition: ScopeDefinition, trace: RunTrace): RedriveDefinition | undefined {
  const aliases: Record<string, string> = {};
  if (!trace.resumePoint('')) return undefined;
  return { definition: { ...definition, ...resumeScope(definition, '', '', trace, aliases) }, aliases };
}

function resumeScope(scope: ScopeDefinition, key: string, prefix: string, trace: RunTrace, aliases: Record<string, string>): ScopeDefinition {
  const resume = trace.resumePoint(key);
  if (!resume) return scope;
  if (resume.kind === 'ended') {
    const kept = `${SCAFFOLD_PREFIX}${prefix}kept`;
    return { ...scope, StartAt: kept, States: { [kept]: { Type: 'Pass', Result: resume.output, End: true } } };
  }
  const states: Record<string, StateDefinition> = { ...scope.States };
  let target = resume.point.name;
  const stopped = states[target];
  if (stopped && (stopped.Type === 'Parallel' || stopped.Type === 'Map')) {
    const copy = `${SCAFFOLD_PREFIX}${prefix}${target}`;
    states[copy] = resumeComposite(stopped, `${key}/${target}`, prefix, trace, aliases);
    aliases[copy] = target;
    target = copy;
  }
  const entry = `${SCAFFOLD_PREFIX}${prefix}entry`;
  states[entry] = { Type: 'Pass', Result: resume.point.input ?? null, Next: target };
  return { ...scope, StartAt: entry, States: states };
}

function resumeComposite(state: StateDefinition, key: string, prefix: string, trace: RunTrace, aliases: Record<string, string>): StateDefinition {
  if (state.Type === 'Parallel') {
    const branches = (state.Branches as ScopeDefinition[]).map((branch, i) => resumeScope(branch, `${key}#${i}`, prefix, trace, aliases));
    return { ...state, Branches: branches };
  }
  const processor = processorOf(state)!;
  const started = trace.iterations(key);
  if (started.length === 0) return state;
  // Which iteration is which is known only where the item is selected ($$.Map.Item.Index): carry it in.
  const selector = (state.ItemSelector ?? state.Parameters) as unknown;
  const itemSelector = { [`${INDEX}.$`]: '$$.Map.Item.Index', ...(selector === undefined ? { [`${ITEM}.$`]: '$$.Map.Item.Value' } : { [ITEM]: selector }) };
  const choose = `${SCAFFOLD_PREFIX}${prefix}choose`;
  const unwrap = `${SCAFFOLD_PREFIX}${prefix}unwrap`;
  const states: Record<string, StateDefinition> = { ...processor.States };
  const choices: StateDefinition[] = [];
  for (const index of started) {
    const resumed = resumeScope(processor, `${key}[${index}]`, `${prefix}i${index}_`, trace, aliases);
    Object.assign(states, resumed.States);
    choices.push({ Variable: `$.${INDEX}`, NumericEquals: index, Next: resumed.StartAt });
  }
  states[choose] = { Type: 'Choice', Choices: choices, Default: unwrap };
  states[unwrap] = { Type: 'Pass', InputPath: `$.${ITEM}`, Next: processor.StartAt };
  const copy: StateDefinition = { ...state, ItemSelector: itemSelector, [state.ItemProcessor ? 'ItemProcessor' : 'Iterator']: { ...processor, StartAt: choose, States: states } };
  delete copy.Parameters;
  return copy;
}
