import { get } from 'node:http';

interface FleetNode {
  readonly id: string;
  readonly online: boolean;
  readonly drained: boolean;
  readonly release: string | null;
  readonly services: readonly { name: string; release: string; port: number }[];
}

export interface AvailabilityEvidence {
  readonly samples: number;
  /** Service → the fewest replicas seen answering while in the cluster, and what was required then. */
  readonly minimum: Readonly<Record<string, { available: number; required: number }>>;
  /** Probe rounds at which a service had fewer replicas than minHealthy less those the run's faults took down. */
  readonly violations: readonly Violation[];
}

/** A probe round with too few replicas, and why each replica not counted was out (drained, down, 503, timeout, reset). */
export interface Violation {
  readonly at: string;
  readonly service: string;
  readonly available: number;
  readonly required: number;
  readonly out: readonly string[];
}

/**
 * Measures availability as a load balancer would, without the workflow's
 * records: at ≥ 10 Hz it asks every replica's /health over HTTP and counts a
 * replica only when its node is up, in the cluster (not drained) and it
 * answers 200. Where each replica listens and whether its node is drained
 * comes from the fleet's own report (the world, not the control plane).
 */
export class AvailabilityObserver {
  private nodes: FleetNode[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private samples = 0;
  private readonly minimum: Record<string, { available: number; required: number }> = {};
  private readonly violations: Violation[] = [];

  /**
   * `replicas.excused(service, node)`: whether the run's own faults took that
   * replica down at this moment; `replicas.serving` hears of every replica
   * seen serving (so a replica a fault took down is excused until it is back).
   */
  public constructor(
    private readonly fleetUrl: string,
    private readonly minHealthy: Readonly<Record<string, number>>,
    private readonly replicas: { excused(service: string, node: string): boolean; serving(service: string, node: string): void },
    private readonly intervalMs = 100,
  ) {}

  public async start(): Promise<void> {
    this.running = true;
    this.nodes = await fleetNodes(this.fleetUrl);
    this.loops.push(this.every(1000, async () => {
      this.nodes = await fleetNodes(this.fleetUrl).catch(() => this.nodes);
    }));
    this.loops.push(this.every(this.intervalMs, () => this.probeOnce()));
  }

  public async stop(): Promise<AvailabilityEvidence> {
    this.running = false;
    await Promise.all(this.loops);
    return { samples: this.samples, minimum: { ...this.minimum }, violations: this.violations.slice(0, 20) };
  }

  private async every(ms: number, work: () => Promise<void>): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await work();
      await new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - started))));
    }
  }

  private async probeOnce(): Promise<void> {
    const first = await this.count(this.nodes);
    const below = Object.keys(first.available).filter((service) => first.available[service]! < first.required[service]!);
    // A replica restarted by its update may listen on a new port the last report does not know yet: before a
    // shortfall counts, the fleet's report is read again and the short services probed once more.
    // The second look waits as long as a load balancer's health check does (an ALB's default timeout is 5 s,
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html):
    // a replica that answers slowly on a starved test machine is slow, not out.
    const confirmed = below.length === 0 ? first : await this.count((this.nodes = await fleetNodes(this.fleetUrl).catch(() => this.nodes)), new Set(below), 5_000);
    this.samples += 1;
    const at = new Date().toISOString();
    for (const service of Object.keys(first.available)) {
      const source = below.includes(service) ? confirmed : first;
      const count = source.available[service]!;
      const required = source.required[service]!;
      const seen = this.minimum[service];
      if (!seen || count < seen.available) this.minimum[service] = { available: count, required };
      if (count < required) this.violations.push({ at, service, available: count, required, out: source.out[service]! });
    }
  }

  /** Replicas answering per service, and how many the run's faults excuse, in one probe round. */
  private async count(nodes: readonly FleetNode[], only?: ReadonlySet<string>, timeoutMs = 1_000): Promise<{ available: Record<string, number>; required: Record<string, number>; out: Record<string, string[]> }> {
    const services = Object.keys(this.minHealthy).filter((s) => !only || only.has(s));
    const available: Record<string, number> = Object.fromEntries(services.map((s) => [s, 0]));
    const out: Record<string, string[]> = Object.fromEntries(services.map((s) => [s, []]));
    const excusedCount: Record<string, number> = Object.fromEntries(services.map((s) => [s, 0]));
    await Promise.all(
      nodes.flatMap((node) =>
        node.services
          .filter((s) => s.name in available)
          .map(async (s) => {
            const answer = !node.online ? 'node down' : node.drained ? 'drained' : await health(s.port, timeoutMs);
            if (answer === 'ok') {
              available[s.name]! += 1;
              this.replicas.serving(s.name, node.id);
              return;
            }
            const excused = this.replicas.excused(s.name, node.id);
            if (excused) excusedCount[s.name]! += 1;
            out[s.name]!.push(`${node.id}: ${answer}${excused ? ' (excused)' : ''}`);
          }),
      ),
    );
    const required = Object.fromEntries(services.map((s) => [s, Math.max(0, this.minHealthy[s]! - excusedCount[s]!)]));
    return { available, required, out };
  }
}

export async function fleetNodes(fleetUrl: string): Promise<FleetNode[]> {
  const response = await fetch(`${fleetUrl}/nodes`);
  if (!response.ok) throw new Error(`fleet /nodes answered ${response.status}`);
  const body = (await response.json()) as FleetNode[] | { nodes: FleetNode[] };
  return Array.isArray(body) ? body : body.nodes;
}

/**
 * One health check as a load balancer's checker makes it: on a connection of
 * its own (`agent: false`), so no check depends on a connection an earlier one
 * left open. 'ok', or why not: the status, a timeout, or the connection
 * error's code with the port (the evidence a violation carries).
 */
function health(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? 'ok' : `HTTP ${response.statusCode}`);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: `timeout after ${timeoutMs} ms` })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(`port ${port}: ${error.code ?? error.message}`));
  });
}
