import type { SimulatedFleet } from './simulated-fleet';

export interface AvailabilityReport {
  readonly samples: number;
  /** Service → the fewest replicas seen available at any one probe. */
  readonly minimumAvailable: Readonly<Record<string, number>>;
  /** Service → probe times at which it was below `threshold[service]`. */
  readonly violations: Readonly<Record<string, readonly string[]>>;
}

export interface AvailabilityProberProps {
  readonly fleet: SimulatedFleet;
  /** Service → how many replicas must be available (minHealthy). */
  readonly thresholds: Readonly<Record<string, number>>;
  /** @default 100 ms */
  readonly intervalMs?: number;
}

/**
 * Measures availability during an update instead of assuming it: every
 * interval it asks each replica's /health, counting a replica available only
 * when its node is online and not drained (out of the cluster) and it answers 200.
 */
export class AvailabilityProber {
  private readonly minimum: Record<string, number> = {};
  private readonly violations: Record<string, string[]> = {};
  private samples = 0;
  private running = false;
  private loop?: Promise<void>;

  public constructor(private readonly props: AvailabilityProberProps) {}

  public start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.probeOnce();
        await new Promise((r) => setTimeout(r, this.props.intervalMs ?? 100));
      }
    })();
  }

  public async stop(): Promise<AvailabilityReport> {
    this.running = false;
    await this.loop;
    return { samples: this.samples, minimumAvailable: { ...this.minimum }, violations: { ...this.violations } };
  }

  public async probeOnce(): Promise<void> {
    const available: Record<string, number> = Object.fromEntries(Object.keys(this.props.thresholds).map((s) => [s, 0]));
    await Promise.all(
      this.props.fleet.nodeIds.map(async (id) => {
        const node = this.props.fleet.node(id);
        for (const [service, replica] of node.replicas) {
          if (!(service in available) || !node.online || node.drained) continue;
          if ((await replica.health()).healthy) available[service] = available[service]! + 1;
        }
      }),
    );
    const at = new Date().toISOString();
    this.samples += 1;
    for (const [service, count] of Object.entries(available)) {
      this.minimum[service] = Math.min(this.minimum[service] ?? Infinity, count);
      if (count < this.props.thresholds[service]!) (this.violations[service] ??= []).push(at);
    }
  }
}
