/** The client's side of GET /api/rank, as an SWR fetcher. */
import type { CardProduct } from '@/components/catalog/ProductCard';

export interface EdgeResult {
  items: (CardProduct & { score?: number; pinned?: true })[];
  modelVersion: string;
  experiment: { id: string; variant: string } | null;
  /** Round trip, measured here (the debug panel shows it). */
  ms: number;
}

export function rankUrl(placement: string, k: number, sku: string | undefined, recent: string[]): string {
  const q = new URLSearchParams({ placement, k: String(k) });
  if (sku) q.set('sku', sku);
  if (recent.length > 0) q.set('recent', recent.join(','));
  return `/api/rank?${q}`;
}

export async function fetchEdgeShelf(url: string): Promise<EdgeResult> {
  const t0 = performance.now();
  const res = await fetch(url, { credentials: 'same-origin' });
  const body = (await res.json().catch(() => null)) as (Omit<EdgeResult, 'ms'> & { error?: string }) | null;
  if (!res.ok || !body || !Array.isArray(body.items)) throw new Error(`/api/rank: ${body?.error ?? `HTTP ${res.status}`}`);
  return { items: body.items, modelVersion: body.modelVersion, experiment: body.experiment, ms: Math.round(performance.now() - t0) };
}
