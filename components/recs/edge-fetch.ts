/** The client's side of GET /api/rank, as an SWR fetcher. */
import { RankAnswerSchema, type RankAnswer } from '@/lib/coldstart/answer';

/** The answer as the shelf keeps it: validated, plus the round trip measured here (the debug panel shows it). */
export type EdgeResult = Omit<RankAnswer, 'source'> & { ms: number };

export function rankUrl(placement: string, k: number, sku: string | undefined, recent: string[]): string {
  const q = new URLSearchParams({ placement, k: String(k) });
  if (sku) q.set('sku', sku);
  if (recent.length > 0) q.set('recent', recent.join(','));
  return `/api/rank?${q}`;
}

export async function fetchEdgeShelf(url: string): Promise<EdgeResult> {
  const t0 = performance.now();
  const res = await fetch(url, { credentials: 'same-origin' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`/api/rank: ${(body as { error?: unknown } | null)?.error ?? `HTTP ${res.status}`}`);
  // A malformed answer is a failure like any other: the shelf keeps what it shows (never a wrong list).
  const parsed = RankAnswerSchema.safeParse(body);
  if (!parsed.success) throw new Error(`/api/rank: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const { items, modelVersion, experiment } = parsed.data;
  return { items, modelVersion, experiment, ms: Math.round(performance.now() - t0) };
}
