/**
 * The update phase a task invocation works in, for log lines: the checkpoint
 * phase names where there is one (pre-hooks, canary, handover, post-hooks), else the step of the workflow (lock, plan, finalize, outcome).
 */
export function taskPhase(task: string, event: { readonly hookPhase?: unknown }): string | undefined {
  switch (task) {
    case 'acquire-lock':
      return 'lock';
    case 'plan-update':
      return 'plan';
    case 'run-hooks':
      return event.hookPhase === 'post' ? 'post-hooks' : 'pre-hooks';
    case 'canary-step':
      return 'canary';
    case 'hand-over':
      return 'handover';
    case 'run-rollout':
      return 'rollout';
    case 'finalize':
      return 'finalize';
    case 'record-outcome':
      return 'outcome';
    default:
      return undefined;
  }
}
