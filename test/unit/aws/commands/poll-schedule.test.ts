import { describe, expect, it } from 'vitest';
import { firstPauseFor, PollSchedule } from '../../../../src/aws/commands/poll-schedule';

/** The pauses of one wait, with the time running as the schedule says (each poll itself taking `callMs`). */
function pauses(schedule: PollSchedule, count: number, callMs = 0): number[] {
  const out: number[] = [];
  let elapsed = 0;
  for (let i = 0; i < count; i += 1) {
    elapsed += callMs;
    const pause = schedule.next(elapsed);
    out.push(pause);
    elapsed += pause;
  }
  return out;
}

describe('PollSchedule: when a task polls SSM for its commands', () => {
  it('polls quickly at first and backs off, doubling, to the POLL_INTERVAL_MS ceiling', () => {
    expect(pauses(new PollSchedule({ ceilingMs: 2000 }), 7)).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it('starts from a quarter of a short ceiling (the local 150 ms), never below 25 ms', () => {
    expect(firstPauseFor(2000)).toBe(200);
    expect(firstPauseFor(150)).toBe(37.5);
    expect(firstPauseFor(40)).toBe(25);
    expect(pauses(new PollSchedule({ ceilingMs: 150 }), 4)).toEqual([38, 75, 150, 150]);
  });

  it('aims one poll at the expected end of the step, then backs off again from the first pause', () => {
    // 0 → 200 → 600 → 1400 → (3000 would overshoot 2500) 2500 → 2700 → 3100 → 3900 → 5500 → 7500
    expect(pauses(new PollSchedule({ ceilingMs: 2000, expectedMs: 2500 }), 9)).toEqual([200, 400, 800, 1100, 200, 400, 800, 1600, 2000]);
  });

  it('with a long expected step, keeps to the ceiling until the aim, so the steady rate stays one call per ceiling', () => {
    const schedule = pauses(new PollSchedule({ ceilingMs: 2000, expectedMs: 10_000 }), 9);
    expect(schedule).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 1000, 200]);
    expect(schedule.every((p) => p <= 2000)).toBe(true);
  });

  it('ignores an expected end that has already passed (a slow poll) and goes on backing off', () => {
    expect(pauses(new PollSchedule({ ceilingMs: 2000, expectedMs: 100 }), 3, 150)).toEqual([200, 400, 800]);
  });

  it('never exceeds ceiling-bounded calls: over a 60 s step at most 5 more polls than a fixed 2 s interval', () => {
    const schedule = new PollSchedule({ ceilingMs: 2000 });
    let elapsed = 0;
    let polls = 1;
    while (elapsed < 60_000) {
      elapsed += schedule.next(elapsed);
      polls += 1;
    }
    expect(polls - (60_000 / 2000 + 1)).toBeLessThanOrEqual(5);
  });
});
