import { categoryLabel } from '@/lib/catalog/categories';
import { productPicture } from '@/lib/catalog/picture';
import { getProduct } from '@/lib/catalog/store';

export async function GET(_req: Request, { params }: RouteContext<'/images/products/[file]'>) {
  const { file } = await params;
  let decoded: string;
  try {
    decoded = decodeURIComponent(file);
  } catch {
    return Response.json({ error: 'malformed picture name' }, { status: 400 });
  }
  const sku = decoded.replace(/\.svg$/i, '');
  const product = file.toLowerCase().endsWith('.svg') ? getProduct(sku) : undefined;
  if (!product) return Response.json({ error: `no picture for "${sku.slice(0, 40)}"` }, { status: 404 });
  return new Response(productPicture({ ...product, categoryLabel: categoryLabel(product.category) }), {
    headers: {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      // The URL carries the catalog version (?v=), so a picture never changes under its URL.
      'Cache-Control': 'public, max-age=31536000, immutable',
      // Opened directly, an SVG is a document: allow its inline styles, nothing else.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
