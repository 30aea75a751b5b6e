import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockStore } from '../../../../src/aws/store/lock-store';
import { NodeSlots, type NodeClaim } from '../../../../src/aws/store/node-slots';
import { FenceRejectedError } from '../../../../src/aws/store/store-errors';
import { startLocalTable, type LocalTable } from './local-table';

describe('node mutex and outage slots on real DynamoDB Local', () => {
  let table: LocalTable;
  let slots: NodeSlots;
  let locks: LockStore;

  beforeAll(async () => {
    table = await startLocalTable();
    slots = new NodeSlots(table);
    locks = new LockStore(table);
  });
  afterAll(async () => table?.stop());

  /** Takes the cluster's lock for an update and returns the claim fields that go with it. */
  const holding = async (cluster: string, updateId: string) => {
    const grant = await locks.acquire({ cluster, updateId, owner: `arn:exec:${updateId}`, leaseSeconds: 60 });
    return { cluster, updateId, owner: `arn:exec:${updateId}`, fence: grant.fence };
  };
  const item = async (pk: string, sk: string) => (await table.documents.send(new GetCommand({ TableName: table.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

  it('20 concurrent claims on nodes hosting search (budget 2): exactly 2 are granted, each entry carrying holder, fence and expiry', async () => {
    const lock = await holding('c', 'u');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => slots.tryClaim({ ...lock, node: `n${i}`, holder: `wave#${i}`, services: [{ name: 'search', budget: 2 }] })));
    expect(results.filter((r) => r.granted)).toHaveLength(2);
    const entries = Object.values((await item('SLOTS#u#search', 'SLOTS'))!.holders as Record<string, { holder: string; fence: number; expiresAt: number }>);
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry).toMatchObject({ fence: lock.fence, holder: expect.stringMatching(/^wave#/), expiresAt: expect.any(Number) });
  });

  it('a node is worked on by one holder at a time; releasing frees the node and the slot', async () => {
    const claim = { ...(await holding('m', 'u2')), node: 'n1', holder: 'wave#1', services: [{ name: 'tql', budget: 1 }] };
    expect(await slots.tryClaim(claim)).toEqual({ granted: true });
    expect(await slots.tryClaim(claim)).toEqual({ granted: true }); // the same holder again (a rerun)
    expect(await slots.tryClaim({ ...claim, holder: 'service#tql' })).toEqual({ granted: false });
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toEqual({ granted: false }); // tql's only slot is taken by n1
    await slots.release(claim);
    expect(await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#tql' })).toEqual({ granted: true });
    await slots.release(claim); // idempotent
    await slots.release({ ...claim, node: 'n2', holder: 'service#tql' });
    expect(await slots.held('u2', ['tql'])).toEqual(new Map());
    expect(await item('MUTEX#m#n1', 'MUTEX')).toBeUndefined();
  });

  it('an expired claim (a crashed holder) can be reclaimed, its slot entry too', async () => {
    const claim = { ...(await holding('x', 'u3')), node: 'n1', holder: 'wave#1', services: [{ name: 'web', budget: 1 }], ttlSeconds: 1 };
    expect((await slots.tryClaim(claim, Date.now() - 10_000)).granted).toBe(true);
    expect((await slots.tryClaim({ ...claim, holder: 'wave#2' })).granted).toBe(true);
    expect((await slots.tryClaim({ ...claim, node: 'n2', holder: 'service#web' })).granted).toBe(false); // wave#2's entry is live
  });

  it('a failed node stays out: its entries lose their expiry, every other claim counts them, and only its own holder (a resume) re-enters', async () => {
    const lock = await holding('f', 'u4');
    const failedClaim: NodeClaim = { ...lock, node: 'n1', holder: 'wave#0', services: [{ name: 'api', budget: 1 }], ttlSeconds: 1 };
    expect((await slots.tryClaim(failedClaim)).granted).toBe(true);
    await slots.markFailed(failedClaim, 'platform config on n1: exit 1');
    const entry = (await slots.held('u4', ['api'])).get('api')!.get('n1')!;
    expect(entry).toMatchObject({ holder: 'wave#0', failed: true, error: 'platform config on n1: exit 1' });
    expect(entry.expiresAt).toBeUndefined();
    // Long after its ttl, another replica of api still cannot go out, and the node itself is held.
    const later = Date.now() + 60_000;
    expect(await slots.tryClaim({ ...lock, node: 'n2', holder: 'wave#1', services: [{ name: 'api', budget: 1 }] }, later)).toEqual({
      granted: false,
      blockedByFailure: 'api is at its outage budget (1) with failed replicas out on n1',
    });
    expect(await slots.tryClaim({ ...lock, node: 'n1', holder: 'service#api', services: [{ name: 'api', budget: 1 }] }, later)).toEqual({
      granted: false,
      blockedByFailure: 'n1 is held out by the failed wave#0 (platform config on n1: exit 1)',
    });
    // The resume: the same holder re-enters, repairs, and gives everything back.
    expect((await slots.tryClaim(failedClaim, later)).granted).toBe(true);
    await slots.release(failedClaim);
    expect(await slots.held('u4', ['api'])).toEqual(new Map());
  });

  it('a new update never re-enters an old update\'s mutex by holder name; it takes it over only once the old one lost the lock', async () => {
    const old = await holding('n', 'u-old');
    const oldClaim = { ...old, node: 'n1', holder: 'wave#0', services: [] };
    expect((await slots.tryClaim(oldClaim)).granted).toBe(true);
    // While u-old holds the lock, u-new cannot write a claim at all.
    await expect(slots.tryClaim({ ...oldClaim, updateId: 'u-new', owner: 'arn:exec:u-new' })).rejects.toBeInstanceOf(FenceRejectedError);
    await locks.forceUnlock('n');
    const fresh = await holding('n', 'u-new');
    expect(fresh.fence).toBeGreaterThan(old.fence);
    expect((await slots.tryClaim({ ...fresh, node: 'n1', holder: 'wave#0', services: [] })).granted).toBe(true);
    expect(await item('MUTEX#n#n1', 'MUTEX')).toMatchObject({ updateId: 'u-new', fence: fresh.fence, holder: 'wave#0' });
    // The old update's late release gives back nothing of the new one's.
    await slots.release(oldClaim);
    expect(await item('MUTEX#n#n1', 'MUTEX')).toMatchObject({ updateId: 'u-new' });
  });

  it('a TransactionConflict on release is retried, not swallowed: nothing is left held', async () => {
    const claim = { ...(await holding('t', 'u5')), node: 'n1', holder: 'service#api', services: [{ name: 'api', budget: 1 }] };
    expect((await slots.tryClaim(claim)).granted).toBe(true);
    // DynamoDB cancels a transaction that touches an item another transaction is writing at that moment
    // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html, TransactionConflict):
    // the first two release attempts meet one, as real concurrent writers on the lock item would cause.
    let conflicts = 0;
    table.documents.middlewareStack.add(
      (next) => async (args) => {
        const input = JSON.stringify((args as { input?: unknown }).input ?? {});
        if (input.includes('"Delete"') && input.includes('MUTEX#t#n1') && conflicts < 2) {
          conflicts += 1;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]',
            $metadata: { httpStatusCode: 400 },
            CancellationReasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }, { Code: 'None' }],
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectTransactionConflict' },
    );
    try {
      await slots.release(claim);
    } finally {
      table.documents.middlewareStack.remove('injectTransactionConflict');
    }
    expect(conflicts).toBe(2);
    expect(await slots.held('u5', ['api'])).toEqual(new Map());
    expect(await item('MUTEX#t#n1', 'MUTEX')).toBeUndefined();
  });
});
