import { describe, expect, it } from 'vitest';
import { axisTicks, durationLabel, elapsedLabel } from '../../../../src/cli/report/time-axis';

describe('axisTicks', () => {
  it('picks a round step that gives at most the ticks asked for, from the origin', () => {
    const ticks = axisTicks(1_000_000, 1_000_000 + 111_000, 12);
    expect(ticks.map((t) => t.label)).toEqual(['0s', '10s', '20s', '30s', '40s', '50s', '1m', '1m10s', '1m20s', '1m30s', '1m40s', '1m50s']);
    expect(ticks[1]!.atMs - ticks[0]!.atMs).toBe(10_000);
    expect(ticks[0]!.atMs).toBe(1_000_000);
  });

  it('moves to minutes and hours for long updates', () => {
    expect(axisTicks(0, 3 * 3_600_000, 10).map((t) => t.label)).toEqual(['0s', '30m', '1h', '1h30m', '2h', '2h30m', '3h']);
    expect(axisTicks(0, 9 * 24 * 3_600_000, 10).length).toBeLessThanOrEqual(11);
  });

  it('still draws an axis for an update that took no time', () => {
    expect(axisTicks(5, 5).map((t) => t.label)).toEqual(['0s', '1s']);
  });
});

describe('labels', () => {
  it('reads elapsed time exactly at tick boundaries', () => {
    expect([45_000, 120_000, 150_000, 3_600_000, 3_900_000, 97_200_000].map(elapsedLabel)).toEqual(['45s', '2m', '2m30s', '1h', '1h05m', '1d3h']);
  });

  it('reads durations down to milliseconds', () => {
    expect([400, 12_000, 185_000, 3_720_000].map(durationLabel)).toEqual(['400ms', '12s', '3m05s', '1h02m']);
  });
});
