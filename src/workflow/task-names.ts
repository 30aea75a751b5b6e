/** The workflow's tasks; each is one Lambda function with its handler in lambdas/<name>.ts. */
export const TASKS = ['acquire-lock', 'plan-update', 'run-hooks', 'canary-step', 'hand-over', 'run-rollout', 'finalize', 'record-outcome'] as const;
export type TaskName = (typeof TASKS)[number];
