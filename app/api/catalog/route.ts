import { getCatalog } from '@/lib/catalog/store';

/**
 * The whole catalogue as compact rows, for the device ranker to name and price what it recommends.
 * Everyone downloads the same bytes, so the request says nothing about the shopper.
 * With ?v=<current catalog version> it never changes and is cached for a year.
 */
export function GET(req: Request) {
  const catalog = getCatalog();
  const asked = new URL(req.url).searchParams.get('v');
  const body = {
    version: catalog.version,
    items: catalog.file.products.map((p) => [p.sku, p.name, p.price, p.category]),
  };
  return Response.json(body, {
    headers: { 'Cache-Control': asked === catalog.version ? 'public, max-age=31536000, immutable' : 'public, max-age=60' },
  });
}
