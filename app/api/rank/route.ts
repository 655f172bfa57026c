import { parseRankQuery } from '@/lib/coldstart/query';
import { geoFromHeaders, serveColdStart } from '@/lib/coldstart/serve';
import { serverArtifacts } from '@/lib/artifacts/disk';
import { requestAssignments } from '@/lib/experiments/request';
import { admitRank } from '@/lib/http/rank-limit';
import { tooManyRequests } from '@/lib/http/rate-limit';
import { requestAddress } from '@/lib/http/client-address';

/**
 * Cold-start ranking. The ranker is Web APIs only (see lib/coldstart); this Node route reads the model files
 * from disk, where an edge deployment would pass httpSource() instead.
 */
export async function GET(req: Request) {
  const wait = await admitRank(requestAddress(req.headers));
  if (wait > 0) return tooManyRequests(`too many requests: ask again in ${wait} s`, wait);
  const parsed = parseRankQuery(new URL(req.url));
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400 });
  const { config, assignments } = await requestAssignments();
  const result = await serveColdStart(parsed.query, config, assignments, geoFromHeaders(req.headers), { artifacts: serverArtifacts() });
  if (!result.ok) return Response.json({ error: result.error }, { status: result.status, headers: result.status === 503 ? { 'Retry-After': '5' } : {} });
  const personal = parsed.query.recent.length > 0 || parsed.query.sku !== undefined;
  // Same answer for everyone without session products: cacheable at the edge. With a visitor's variant
  // or their country's taste in it, only in that visitor's browser; with session products, not at all.
  const cache = personal
    ? parsed.query.recent.length > 0
      ? 'private, no-store'
      : 'private, max-age=60'
    : result.shelf.experiment || result.byCountry
      ? 'private, max-age=60'
      : 'public, max-age=60, s-maxage=300, stale-while-revalidate=600';
  return Response.json(result.shelf, { headers: { 'Cache-Control': cache, Vary: 'Cookie' } });
}
