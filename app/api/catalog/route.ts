import { getCatalog } from '@/lib/catalog/store';
import { bucketCount, bucketOf, PARTS_FROM_ITEMS } from '@/lib/recs/parts';

/**
 * The catalogue as compact rows [code, name, price, category], for a page that must name products it holds
 * only the codes of (the handoff's cart). Everyone downloads the same bytes, so the request says nothing about
 * the shopper. A catalogue below PARTS_FROM_ITEMS products is one answer; a bigger one is cut into the buckets
 * its model's parts use (lib/recs/parts.ts: fnv1a(code) mod `buckets`): the answer without `bucket` says how
 * many, and `?bucket=b` gives that bucket's rows, so no download grows with the catalogue.
 * With ?v=<current catalog version> an answer never changes and is cached for a year.
 */
export function GET(req: Request) {
  const catalog = getCatalog();
  const params = new URL(req.url).searchParams;
  const unknown = [...params.keys()].find((k) => k !== 'v' && k !== 'bucket');
  if (unknown !== undefined) return Response.json({ error: `unknown parameter: ${unknown.slice(0, 40)}` }, { status: 400 });
  for (const k of ['v', 'bucket']) if (params.getAll(k).length > 1) return Response.json({ error: `parameter "${k}" given more than once` }, { status: 400 });
  const asked = params.get('v');
  if (asked !== null && !/^[0-9a-f]{12}$/.test(asked)) return Response.json({ error: 'v must be a catalog version (12 hex digits)' }, { status: 400 });
  const products = catalog.file.products;
  const buckets = products.length < PARTS_FROM_ITEMS ? 1 : bucketCount(products.length);
  const rawBucket = params.get('bucket');
  const bucket = rawBucket === null ? null : Number(rawBucket);
  if (rawBucket !== null && (!/^\d{1,7}$/.test(rawBucket) || bucket! >= buckets)) return Response.json({ error: `bucket must be a whole number below ${buckets}` }, { status: 400 });
  const rows = (keep: (sku: string) => boolean) => products.filter((p) => keep(p.sku)).map((p) => [p.sku, p.name, p.price, p.category]);
  const body =
    bucket !== null ? { version: catalog.version, buckets, bucket, items: rows((sku) => buckets === 1 || bucketOf(sku, buckets) === bucket) } : { version: catalog.version, buckets, ...(buckets === 1 ? { items: rows(() => true) } : {}) };
  return Response.json(body, {
    headers: { 'Cache-Control': asked === catalog.version ? 'public, max-age=31536000, immutable' : 'public, max-age=60' },
  });
}
