import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface LockEvidence {
  readonly samples: number;
  readonly fences: readonly number[];
  /** Moments the fence went down: two actors would then both believe they hold the cluster. */
  readonly fenceDecreases: readonly { at: string; from: number; to: number }[];
  /** Moments an ACTIVE lock's lease had expired while its owner was still at work. */
  readonly expiredWhileActive: readonly string[];
  readonly owners: readonly string[];
}

/**
 * Samples the lock item twice a second, independently of the workflow, and
 * checks what "one actor" means in DynamoDB: the fence never goes down.
 */
export class LockObserver {
  private running = false;
  private loop?: Promise<void>;
  private samples = 0;
  private last?: number;
  private readonly fences = new Set<number>();
  private readonly owners = new Set<string>();
  private readonly decreases: { at: string; from: number; to: number }[] = [];
  private readonly expired: string[] = [];
  /** Fence → when the sampler first saw it. */
  private readonly firstSeen = new Map<number, number>();

  /** `documents()`: the client of the moment (a restarted control plane has new endpoints). */
  public constructor(private readonly documents: () => DynamoDBDocumentClient, private readonly tableName: string, private readonly cluster: string) {}

  public start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sample().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  public async stop(): Promise<LockEvidence> {
    this.running = false;
    await this.loop;
    await this.sample().catch(() => undefined);
    return { samples: this.samples, fences: [...this.fences].sort((a, b) => a - b), fenceDecreases: this.decreases, expiredWhileActive: this.expired.slice(0, 10), owners: [...this.owners] };
  }

  /** When a fence above `fence` was first seen (epoch ms), if ever. */
  public firstSeenAbove(fence: number): number | undefined {
    const times = [...this.firstSeen].filter(([f]) => f > fence).map(([, at]) => at);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  private async sample(): Promise<void> {
    const { Item } = await this.documents().send(new GetCommand({ TableName: this.tableName, Key: { pk: `LOCK#${this.cluster}`, sk: 'LOCK' }, ConsistentRead: true }));
    if (!Item) return;
    this.samples += 1;
    const fence = Number(Item.fence);
    const at = new Date().toISOString();
    if (this.last !== undefined && fence < this.last) this.decreases.push({ at, from: this.last, to: fence });
    this.last = fence;
    this.fences.add(fence);
    if (!this.firstSeen.has(fence)) this.firstSeen.set(fence, Date.now());
    if (typeof Item.owner === 'string') this.owners.add(Item.owner);
    if (Item.state === 'ACTIVE' && Number(Item.leaseExpiresAt) < Date.now()) this.expired.push(at);
  }
}
