import { getCatalog } from '@/lib/catalog/store';

/**
 * The whole catalogue as compact rows, for the device ranker to name and price what it recommends.
 * Everyone downloads the same bytes, so the request says nothing about the shopper.
 * With ?v=<current catalog version> it never changes and is cached for a year.
 */
export function GET(req: Request) {
  const catalog = getCatalog();
  const params = new URL(req.url).searchParams;
  const unknown = [...params.keys()].find((k) => k !== 'v');
  if (unknown !== undefined) return Response.json({ error: `unknown parameter: ${unknown.slice(0, 40)}` }, { status: 400 });
  if (params.getAll('v').length > 1) return Response.json({ error: 'parameter "v" given more than once' }, { status: 400 });
  const asked = params.get('v');
  if (asked !== null && !/^[0-9a-f]{12}$/.test(asked)) return Response.json({ error: 'v must be a catalog version (12 hex digits)' }, { status: 400 });
  const body = {
    version: catalog.version,
    items: catalog.file.products.map((p) => [p.sku, p.name, p.price, p.category]),
  };
  return Response.json(body, {
    headers: { 'Cache-Control': asked === catalog.version ? 'public, max-age=31536000, immutable' : 'public, max-age=60' },
  });
}
