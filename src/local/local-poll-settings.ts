/** How long a local task invocation waits on node commands before handing back to the poll loop (POLL_BUDGET_SECONDS). */
export const LOCAL_POLL_BUDGET_SECONDS = 20;

/**
 * The longest pause between two polls of a waiting task, locally (POLL_INTERVAL_MS; AWS's default is 2000). Half
 * of it is within the noise: on 12 nodes (2 cores, `npm run bench makespan`, two runs each, alternated) 75 ms gave
 * a canary overhead per step of 0.17–0.18 s against 0.19–0.23 s, a rollout one of 0.40–0.50 s against 0.44–0.64 s,
 * a makespan of 110.5–114.4 s against 112–122.5 s. The rest of a step's overhead is not the poll.
 */
export const LOCAL_POLL_INTERVAL_MS = 150;

/** The local poll budget: POLL_BUDGET_SECONDS of the environment when it is a positive number, else the default. */
export function localPollBudgetSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.POLL_BUDGET_SECONDS);
  return given > 0 ? given : LOCAL_POLL_BUDGET_SECONDS;
}
