import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BenchModule } from './bench-module';
import { makespanBench } from './makespan.bench';
import { plannerBench } from './planner.bench';
import { startupBench } from './startup.bench';
import { stepOverheadBench } from './step-overhead.bench';
import { workflowHistoryBench } from './workflow-history.bench';

/**
 * `npm run bench [name…]`: runs the benchmarks (all, or those named), prints a
 * summary and writes bench-results/<name>.json. Machines here are shared and
 * noisy, so benchmarks report ratios measured in one run and counts that do not
 * depend on speed, not absolute times alone.
 */
const modules: readonly BenchModule[] = [plannerBench, workflowHistoryBench, startupBench, makespanBench, stepOverheadBench];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const selected = wanted.length > 0 ? modules.filter((m) => wanted.includes(m.name)) : modules;
  if (selected.length === 0) throw new Error(`no benchmark named ${wanted.join(', ')}; have ${modules.map((m) => m.name).join(', ')}`);
  const directory = join(__dirname, '..', '..', 'bench-results');
  mkdirSync(directory, { recursive: true });
  for (const module of selected) {
    process.stdout.write(`\n== ${module.name}\n`);
    const result = await module.run();
    for (const line of result.summary) process.stdout.write(`  ${line}\n`);
    const file = join(directory, `${module.name}.json`);
    const environment = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, date: new Date().toISOString() };
    writeFileSync(file, `${JSON.stringify({ benchmark: module.name, environment, ...result.data }, null, 2)}\n`);
    process.stdout.write(`  → ${file}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
