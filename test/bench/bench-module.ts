/** A benchmark: `run()` returns machine-readable results; `summary` lines are printed. */
export interface BenchModule {
  readonly name: string;
  run(): Promise<BenchResult>;
}

export interface BenchResult {
  /** One line per headline number, for people. */
  readonly summary: readonly string[];
  /** Everything measured, written to bench-results/<name>.json. */
  readonly data: Record<string, unknown>;
}
