import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ChaosBatch, type ChaosRecord } from './chaos-run';
import type { CatalogueOptions } from './fault-catalogue';

/**
 * `npm run chaos -- --runs N --seed S [--manifest M --inventory I] [--json FILE]`
 * `npm run chaos -- --seeds 9,30` (given seeds: the kept regression cases)
 * Seeded runs of random faults on the local runtime (issue #14); one JSON
 * record per run and a summary line. A failing run prints its seed and repro.
 */
export interface ChaosOptions {
  readonly runs: number;
  readonly seed: number;
  /** These seeds instead of `runs` seeds from `seed` on. */
  readonly seeds?: readonly number[];
  readonly manifest: string;
  readonly inventory: string;
  readonly json?: string;
  readonly catalogue?: CatalogueOptions;
  readonly log?: (line: string) => void;
}

export interface ChaosSummary {
  readonly runs: number;
  readonly converged: number;
  readonly held: number;
  readonly records: readonly ChaosRecord[];
  readonly resumes: { readonly median: number; readonly max: number };
  readonly line: string;
}

const EXAMPLES = resolve(__dirname, '../../examples/analytics-cluster');

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runDirectory = mkdtempSync(join(tmpdir(), 'cu-chaos-'));
  const batch = await ChaosBatch.start({ runDirectory, manifestPath: resolve(options.manifest), inventoryPath: resolve(options.inventory), catalogue: options.catalogue });
  const records: ChaosRecord[] = [];
  try {
    const seeds = options.seeds ?? Array.from({ length: options.runs }, (_, i) => options.seed + i);
    for (const seed of seeds) {
      const record = await batch.run(seed);
      records.push(record);
      log(JSON.stringify(record));
      if (!record.held) {
        const broken = Object.entries(record.invariants).filter(([, v]) => !v.held).map(([k]) => k);
        log(`chaos: seed ${seed} broke ${broken.join(', ')}; repro: ${record.repro}`);
      }
    }
  } finally {
    await batch.stop();
    // CHAOS_KEEP_RUN_DIR=1 keeps the run directory (node logs, execution logs, DynamoDB data) for diagnosis.
    if (process.env.CHAOS_KEEP_RUN_DIR === '1') log(`chaos: run directory kept: ${runDirectory}`);
    else rmSync(runDirectory, { recursive: true, force: true });
  }
  const resumes = records.map((r) => r.resumes).sort((a, b) => a - b);
  const converged = records.filter((r) => r.converged).length;
  const held = records.filter((r) => r.held).length;
  const summary: ChaosSummary = {
    runs: records.length,
    converged,
    held,
    records,
    resumes: { median: resumes[Math.floor(resumes.length / 2)] ?? 0, max: resumes[resumes.length - 1] ?? 0 },
    line: `chaos: ${converged}/${records.length} converged, invariants held in ${held}/${records.length}`,
  };
  if (options.json) writeFileSync(options.json, `${JSON.stringify(summary, null, 2)}\n`);
  log(summary.line);
  return summary;
}

function argument(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const seeds = argument(args, 'seeds')?.split(',').map(Number);
  const runs = seeds?.length ?? Number(argument(args, 'runs') ?? 5);
  const seed = Number(argument(args, 'seed') ?? 1);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || (seeds && !seeds.every(Number.isInteger))) {
    process.stderr.write('usage: npm run chaos -- (--runs N --seed S | --seeds S1,S2,…) [--manifest M --inventory I] [--json FILE]\n');
    process.exit(2);
  }
  runChaos({
    runs,
    seed,
    seeds,
    manifest: argument(args, 'manifest') ?? join(EXAMPLES, 'release-7.2.0.yaml'),
    inventory: argument(args, 'inventory') ?? join(EXAMPLES, 'inventory.yaml'),
    json: argument(args, 'json'),
  }).then(
    (summary) => process.exit(summary.held === summary.runs ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`chaos: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
