import type { SimulatedFleet } from './simulated-fleet';
import { probeHealth } from './service-replica';
import type { NodeReport } from './simulated-node';

export interface AvailabilityReport {
  readonly samples: number;
  /** Service → the fewest replicas seen available at any one probe. */
  readonly minimumAvailable: Readonly<Record<string, number>>;
  /** Service → probe times at which it was below `threshold[service]`. */
  readonly violations: Readonly<Record<string, readonly string[]>>;
}

export interface AvailabilityProberProps {
  /** The fleet in this process, or the URL of its controller (`GET /nodes`) when it runs in another one. */
  readonly fleet: SimulatedFleet | string;
  /** Service → how many replicas must be available (minHealthy). */
  readonly thresholds: Readonly<Record<string, number>>;
  /** @default 100 ms */
  readonly intervalMs?: number;
}

/**
 * Measures availability during an update instead of assuming it: every
 * interval it asks each replica's /health, counting a replica available only
 * when its node is online and not drained (out of the cluster) and it answers 200.
 * Given the controller's URL it works from outside, over HTTP only: where
 * each replica listens comes from the nodes' own report, and a controller that
 * does not answer counts as no replica available.
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
    const replicas = await this.replicas();
    await Promise.all(
      replicas.map(async (replica) => {
        if (!(replica.service in available) || !replica.inCluster) return;
        if (await replica.healthy()) available[replica.service] = available[replica.service]! + 1;
      }),
    );
    const at = new Date().toISOString();
    this.samples += 1;
    for (const [service, count] of Object.entries(available)) {
      this.minimum[service] = Math.min(this.minimum[service] ?? Infinity, count);
      if (count < this.props.thresholds[service]!) (this.violations[service] ??= []).push(at);
    }
  }

  private async replicas(): Promise<{ service: string; inCluster: boolean; healthy: () => Promise<boolean> }[]> {
    const fleet = this.props.fleet;
    if (typeof fleet !== 'string') {
      return fleet.nodeIds.flatMap((id) => {
        const node = fleet.node(id);
        return [...node.replicas].map(([service, replica]) => ({ service, inCluster: node.online && !node.drained, healthy: async () => (await replica.health()).healthy }));
      });
    }
    let nodes: NodeReport[];
    try {
      const response = await fetch(`${fleet}/nodes`, { signal: AbortSignal.timeout(3_000) });
      nodes = (await response.json()) as NodeReport[];
    } catch {
      return [];
    }
    return nodes.flatMap((node) =>
      node.services.map((service) => ({ service: service.name, inCluster: node.online && !node.drained, healthy: async () => service.running && (await probeHealth(service.port, 1_000)).healthy })),
    );
  }
}
