import { z } from 'zod';
import { SKU_PATTERN, SKU_RULE } from '@/lib/catalog/sku';
import { getProduct } from '@/lib/catalog/store';
import { PAGES } from '@/lib/config/schema';
import { requestAssignments } from '@/lib/experiments/request';
import { planPage } from '@/lib/shelf/plan';

const Query = z.strictObject({ page: z.enum(PAGES), sku: z.string().regex(SKU_PATTERN, SKU_RULE).optional() });

/**
 * The shelves a page shows this visitor, as the server plans them (lib/shelf/plan.ts): the same plans the page's
 * HTML carries, as JSON, for clients that draw shelves themselves (the replay, an app). Nothing here the page does not
 * already show the visitor; private to them (their arms are in it).
 */
export async function GET(req: Request) {
  const parsed = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return Response.json({ error: `${issue.path.join('.') || 'query'}: ${issue.message}` }, { status: 400 });
  }
  const { page, sku } = parsed.data;
  if (page === 'product' && (!sku || !getProduct(sku))) return Response.json({ error: sku ? `unknown product code: ${sku}` : 'sku: a product page needs its product' }, { status: 400 });
  const { config, assignments } = await requestAssignments();
  return Response.json({ page, shelves: planPage(page, config, assignments, page === 'product' ? sku : undefined) }, { headers: { 'Cache-Control': 'private, no-store', Vary: 'Cookie' } });
}
