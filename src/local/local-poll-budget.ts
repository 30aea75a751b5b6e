/** How long a local task invocation waits on node commands before handing back to the poll loop (POLL_BUDGET_SECONDS). */
export const LOCAL_POLL_BUDGET_SECONDS = 20;

/** The local poll budget: POLL_BUDGET_SECONDS of the environment when it is a positive number, else the default. */
export function localPollBudgetSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.POLL_BUDGET_SECONDS);
  return given > 0 ? given : LOCAL_POLL_BUDGET_SECONDS;
}
