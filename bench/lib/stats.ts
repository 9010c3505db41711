/** Lateness figures in milliseconds: how long after its scheduled time each run started. */
export interface LatenessSummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Nearest-rank percentiles of a list of lateness samples (ms).
 *
 * @example
 * summarize([1, 2, 3, 100]) // { count: 4, p50: 2, p99: 100, max: 100 }
 */
export function summarize(samples: readonly number[]): LatenessSummary {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
