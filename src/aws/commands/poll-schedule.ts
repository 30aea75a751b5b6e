/**
 * When a task polls SSM for the commands it waits on. A step's end resumes the workflow at the next poll, so
 * the poll interval is control-plane time on every step of the critical path; a short fixed interval would
 * multiply the calls of every waiting task for the whole length of long steps. So the schedule is adaptive:
 *
 *   sent ─ poll ─ 200 ─ poll ─ 400 ─ poll ─ 800 ─ poll ─ 1600 ─ poll ─ 2000 ─ poll ─ 2000 ─ …   (ceiling: POLL_INTERVAL_MS)
 *                                            expected end ▲ poll ─ 200 ─ poll ─ 400 ─ …        (when it is known)
 *
 * quick polls while a short step may already be done, backing off to the ceiling; and when the step's expected
 * duration is known (the same step on the canary), one poll aimed at that moment, after which the backoff starts
 * again from the first pause. The ceiling bounds the steady rate at one call per command per ceiling, as a fixed
 * interval did; the backoff adds at most log2(ceiling / first) + 1 calls per step (5 with 200 → 2000 ms), the aim
 * as many again. Rate limits: AWS publishes Systems Manager's quotas per Region
 * (https://docs.aws.amazon.com/general/latest/gr/ssm.html, "Systems Manager endpoints and quotas"); the stored
 * documentation gave no ListCommandInvocations / GetCommandInvocation rate we could confirm (as for SendCommand,
 * docs/local-runtime.md), and a call over the rate is a ThrottlingException the task's Retry absorbs. This
 * schedule keeps each waiting task at ≤ 1 call per 200 ms for at most one second per step, then ≤ 1 per ceiling.
 * The state machine's poll loop (Wait, task again) stays the fallback when the poll budget runs out.
 */
export interface PollScheduleOptions {
  /** The longest pause between two polls (POLL_INTERVAL_MS). */
  readonly ceilingMs: number;
  /** The first pause. @default firstPauseFor(ceilingMs) */
  readonly initialMs?: number;
  /** When the step is expected to end, in ms after the wait began; a poll is aimed there. @default unknown */
  readonly expectedMs?: number;
}

/** The first pause for a ceiling: 200 ms, or a quarter of a shorter ceiling (not below 25 ms). */
export function firstPauseFor(ceilingMs: number): number {
  return Math.max(1, Math.min(200, Math.max(25, ceilingMs / 4), ceilingMs));
}

/** The pauses of one wait, one after another; pure (the caller measures the time). */
export class PollSchedule {
  private readonly ceilingMs: number;
  private readonly initialMs: number;
  private readonly expectedMs?: number;
  private step = 0;
  private aimed = false;

  public constructor(options: PollScheduleOptions) {
    this.ceilingMs = Math.max(1, options.ceilingMs);
    this.initialMs = Math.min(this.ceilingMs, Math.max(1, options.initialMs ?? firstPauseFor(this.ceilingMs)));
    this.expectedMs = options.expectedMs !== undefined && options.expectedMs > 0 ? options.expectedMs : undefined;
  }

  /** The pause before the next poll, `elapsedMs` after the wait began. */
  public next(elapsedMs: number): number {
    const backoff = Math.min(this.ceilingMs, this.initialMs * 2 ** this.step);
    this.step += 1;
    if (this.expectedMs !== undefined && !this.aimed && this.expectedMs <= elapsedMs) {
      this.aimed = true; // already past it: the backoff goes on
    } else if (this.expectedMs !== undefined && !this.aimed && this.expectedMs - elapsedMs <= backoff) {
      // The expected end comes before the backoff's next poll: poll then, and from then on quickly again.
      this.aimed = true;
      this.step = 0;
      return Math.round(this.expectedMs - elapsedMs);
    }
    return Math.round(backoff);
  }
}
