import { describe, expect, it } from 'vitest';
import { pollDelay } from '../../../../src/cli/operations/watch-update';

describe('watch polling', () => {
  it('slows down with the number of checkpoints each poll reads, never below the interval asked for', () => {
    expect(pollDelay(1000, 150)).toBe(1000);
    expect(pollDelay(1000, 14_000)).toBe(14_000); // 1,000 nodes: a poll every 14 s
    expect(pollDelay(250, 0)).toBe(250);
  });
});
