/** Percentiles of timed runs, shared by the worker's provider probe and the bench. */
export interface Percentiles {
  p50: number;
  p95: number;
  runs: number;
}

export function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), runs: s.length };
}
