import { coldStartData } from '@/lib/coldstart/data';
import { parseRankQuery } from '@/lib/coldstart/query';
import { coldStartRank } from '@/lib/coldstart/rank';

/** Cold-start ranking. Web APIs only (see lib/coldstart): deployable as an edge function. */
export async function GET(req: Request) {
  const url = new URL(req.url);
  const parsed = parseRankQuery(url);
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400 });
  const anchors = [...parsed.query.recent, ...(parsed.query.sku ? [parsed.query.sku] : [])];
  let data;
  try {
    data = await coldStartData(url.origin);
  } catch (e) {
    console.error('[tandem] cold-start data unavailable:', (e as Error).message);
    return Response.json({ error: 'ranking temporarily unavailable' }, { status: 503, headers: { 'Retry-After': '5' } });
  }
  const missing = anchors.filter((s) => !data.index.has(s));
  if (missing.length > 0) return Response.json({ error: `unknown product code: ${missing.slice(0, 3).join(', ')}` }, { status: 400 });
  const items = coldStartRank(data, parsed.query);
  const personal = anchors.length > 0;
  return Response.json(
    { items, source: 'edge', modelVersion: data.modelVersion, experiment: null },
    // Without session products the answer is the same for everyone: cache it at the edge for a while.
    { headers: { 'Cache-Control': personal ? 'private, no-store' : 'public, max-age=60, s-maxage=300, stale-while-revalidate=600' } },
  );
}
