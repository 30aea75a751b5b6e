import { describe, expect, it } from 'vitest';
import { RolloutLedger } from '../../../../src/workflow/rollout/rollout-ledger';

describe('RolloutLedger', () => {
  it('gives the same snapshot while nothing changed, and new lists after a change (the scheduler caches by list identity)', () => {
    const ledger = new RolloutLedger();
    ledger.replicaDone('api', 'node-1');
    const first = ledger.snapshot();
    expect(ledger.snapshot()).toBe(first);
    ledger.replicaDone('api', 'node-2');
    const second = ledger.snapshot();
    expect(second).not.toBe(first);
    expect(first.replicasDone.api).toEqual(['node-1']);
    expect(second.replicasDone.api).toEqual(['node-1', 'node-2']);
  });

  it('counts only failed platform outages against maxFailedNodes; a node held out by a failed replica is out but not counted', () => {
    const ledger = new RolloutLedger();
    ledger.nodeFailed('node-3', 'platform config on node-3: exit 1');
    ledger.replicaFailed('api', 'node-4');
    ledger.nodeHeldOut('node-4', 'node-4 is held out by its failed api replica');
    expect(ledger.nodesFailed()).toEqual(['node-3']);
    expect(ledger.failedNodeErrors()).toEqual({ 'node-3': 'platform config on node-3: exit 1' });
    expect(ledger.snapshot()).toMatchObject({ failedNodes: ['node-3', 'node-4'], replicasFailed: { api: ['node-4'] }, servicesFailed: ['api'] });
    expect(ledger.isHeldOut('node-4')).toBe(true);
    expect(ledger.heldOutReason('node-4')).toBe('node-4 is held out by its failed api replica');
    expect(ledger.heldOutReason('node-3')).toBeUndefined(); // its own outage failed: FAILED, not held out
    expect(ledger.hasFailed('api')).toBe(true);
  });
});
