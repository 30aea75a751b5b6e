import { describe, expect, it } from 'vitest';
import { ServiceFaults } from '../../../../src/local/faults/service-faults';

describe('ServiceFaults: Lambda throttles', () => {
  it('throttles the given fraction of invocations, spread evenly, never two in a row below one half, and counts them', () => {
    const faults = new ServiceFaults({ lambdaThrottleFraction: 0.2 });
    const decisions = Array.from({ length: 20 }, () => faults.throttleLambdaInvocation());
    expect(decisions.map((d) => (d ? 'T' : '.')).join('')).toBe('....T....T....T....T');
    expect(faults.produced.lambdaThrottled).toBe(4);
  });

  it('throttles nothing by default or at 0, and refuses a fraction above 1', () => {
    expect(Array.from({ length: 10 }, () => new ServiceFaults().throttleLambdaInvocation()).some(Boolean)).toBe(false);
    const off = new ServiceFaults({ lambdaThrottleFraction: 0 });
    expect(Array.from({ length: 10 }, () => off.throttleLambdaInvocation()).some(Boolean)).toBe(false);
    expect(() => new ServiceFaults({ lambdaThrottleFraction: 1.5 })).toThrow(RangeError);
  });

  it('setting the same fraction again (the control plane mirrors it every poll) keeps the spread going', () => {
    const faults = new ServiceFaults({ lambdaThrottleFraction: 0.5 });
    const decisions: boolean[] = [];
    for (let i = 0; i < 6; i += 1) {
      faults.configure({ lambdaThrottleFraction: 0.5 });
      decisions.push(faults.throttleLambdaInvocation());
    }
    expect(decisions).toEqual([false, true, false, true, false, true]);
  });
});
