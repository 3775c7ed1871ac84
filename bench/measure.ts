// What one run of a benchmark reports, and the statistics the benchmarks share.

/** One run of a benchmark: its figures beside the baseline measured in the same run. */
export interface Measurement {
  /** Our figures by name (the unit is in the name: `_ms`, `_per_s`, `_bytes`). */
  figures: Record<string, number>;
  /** The same-run baseline's figures. */
  baseline: Record<string, number>;
  /** The figure the target is about, ours over the baseline's (or, for listing, in baseline round trips). */
  ratio: number;
  /** Whether this run meets the benchmark's target. */
  met: boolean;
  /** What a person reads. */
  lines: string[];
}

export interface Benchmark {
  name: string;
  /** The goal, as printed: e.g. `ratio >= 0.6`. */
  target: string;
  run(): Promise<Measurement>;
}

/** The middle value (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** The run whose ratio is the median one: its figures and its baseline come from the same run. */
export function medianRun(runs: readonly Measurement[]): Measurement {
  const middle = median(runs.map((r) => r.ratio));
  return runs.find((r) => r.ratio === middle)!;
}
