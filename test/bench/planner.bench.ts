import type { Inventory } from '../../src/core/inventory/schema';
import { toManifest } from '../../src/core/manifest/parse-manifest';
import type { Manifest } from '../../src/core/manifest/schema';
import { waveLowerBound } from '../../src/core/plan/build-waves';
import { planUpdate } from '../../src/core/plan/plan-update';
import type { BenchModule } from './bench-module';

/** A small deterministic PRNG (mulberry32) so every run plans the same cluster. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = 1000;
const EDGES = 3000;
const SERVICES_PER_NODE = 4;

function syntheticManifest(): Manifest {
  const rand = random(7);
  const deps = Array.from({ length: SERVICES }, () => new Set<number>());
  let edges = 0;
  while (edges < EDGES) {
    const a = Math.floor(rand() * SERVICES);
    const b = Math.floor(rand() * SERVICES);
    if (a === b) continue;
    const [from, to] = a < b ? [a, b] : [b, a];
    if (!deps[to]!.has(from)) {
      deps[to]!.add(from);
      edges += 1;
    }
  }
  return toManifest({
    release: '2.0.0',
    previous: '1.0.0',
    cluster: 'bench',
    policy: { maxInFlight: '5%' },
    services: deps.map((d, i) => ({ name: `svc-${i}`, dependsOn: [...d].map((k) => `svc-${k}`), minHealthy: 1 })),
  });
}

function syntheticInventory(nodes: number): Inventory {
  const rand = random(nodes);
  const list = Array.from({ length: nodes }, (_, n) => {
    const hosted = new Set<string>();
    // Three spread-out placements give every service ≥ 3 replicas; the rest are random.
    for (const offset of [0, 333, 667]) hosted.add(`svc-${(n + offset) % SERVICES}`);
    while (hosted.size < SERVICES_PER_NODE) hosted.add(`svc-${Math.floor(rand() * SERVICES)}`);
    // 1% of nodes unhealthy, never two of one service's three fixed replicas.
    return { id: `node-${n}`, services: [...hosted], healthy: n % 100 !== 99 };
  });
  return { nodes: list };
}

function bestOf<T>(runs: number, work: () => T): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    result = work();
    best = Math.min(best, performance.now() - started);
  }
  return { ms: best, result };
}

export const plannerBench: BenchModule = {
  name: 'planner',
  async run() {
    const manifest = syntheticManifest();
    const sizes = [1000, 10_000, 100_000];
    const rows = sizes.map((nodes) => {
      const inventory = syntheticInventory(nodes);
      const { ms, result: plan } = bestOf(3, () => planUpdate(manifest, inventory));
      const others = inventory.nodes.filter((n) => n.id !== plan.canary);
      const lowerBound = waveLowerBound(others, plan.maxInFlight, plan.outageBudget);
      return { nodes, services: SERVICES, edges: EDGES, ms: Number(ms.toFixed(1)), waves: plan.waves.length, waveLowerBound: lowerBound, wavesOverLowerBound: Number((plan.waves.length / lowerBound).toFixed(3)), levels: plan.serviceOrder.length };
    });
    const growth = { '10k/1k': Number((rows[1]!.ms / rows[0]!.ms).toFixed(2)), '100k/10k': Number((rows[2]!.ms / rows[1]!.ms).toFixed(2)) };
    return {
      summary: [
        ...rows.map((r) => `${String(r.nodes).padStart(6)} nodes: ${r.ms} ms, ${r.waves} waves (lower bound ${r.waveLowerBound}, ratio ${r.wavesOverLowerBound}), ${r.levels} levels`),
        `growth: ×${growth['10k/1k']} for 10× nodes (1k→10k), ×${growth['100k/10k']} (10k→100k); linear would be ×10`,
        `goal 10,000 nodes < 1000 ms: ${rows[1]!.ms < 1000 ? 'met' : 'NOT met'}`,
      ],
      data: { rows, growth, goalTenThousandNodesUnderOneSecond: rows[1]!.ms < 1000 },
    };
  },
};
