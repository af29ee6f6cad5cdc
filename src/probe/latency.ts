// Latency statistics over measured requests, nearest-rank percentiles (the p-th percentile is the smallest
// sample with at least p% of the samples at or below it: sorted[ceil(p/100 * n) - 1]); no interpolation, so
// every reported value is a latency that was really observed.

export interface LatencyStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** Milliseconds rounded to 0.001. With no samples every figure is 0 and count is 0. */
export function summarizeLatency(samples: readonly number[]): LatencyStats {
  const n = samples.length;
  if (n === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: n,
    min: round(sorted[0]!),
    max: round(sorted[n - 1]!),
    mean: round(sum / n),
    p50: round(nearestRank(sorted, 50)),
    p90: round(nearestRank(sorted, 90)),
    p95: round(nearestRank(sorted, 95)),
    p99: round(nearestRank(sorted, 99)),
  };
}

/** sorted must be ascending and non-empty; p in (0, 100]. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** `{ 'connection-refused': 2, 'http-5xx': 1 }`, keys sorted. */
export function countByClass(classes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of [...classes].sort()) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
