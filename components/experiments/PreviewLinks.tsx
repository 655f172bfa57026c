import type { Experiment } from '@/lib/config/schema';
import { getCatalog } from '@/lib/catalog/store';
import { PREVIEW_PARAM, signPreview } from '@/lib/experiments/preview';

/** A page of the experiment's kind to open each arm on: home, a best-selling product, the cart. */
function pagePath(e: Experiment): string {
  if (e.page === 'product') return `/products/${encodeURIComponent(getCatalog().bestSellers[0]!.sku)}`;
  if (e.page === 'cart') return '/cart';
  return '/';
}

/** Signed preview links, one per arm (lib/experiments/preview.ts): the page in that arm, marked, never counted. */
export async function PreviewLinks({ experiment: e }: { experiment: Experiment }) {
  const links = await Promise.all(e.variants.map(async (v) => ({ id: v.id, token: await signPreview({ experiment: e.id, variant: v.id }) })));
  if (links.some((l) => !l.token)) return <p className="text-sm text-slate-600">Previews need VISITOR_SECRET (npm start writes one).</p>;
  return (
    <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="preview-links">
      <span>Preview:</span>
      {links.map((l) => (
        <a key={l.id} className="rounded-full border border-sky-600 px-3 py-1 font-semibold text-sky-800 underline-offset-2 hover:underline" href={`${pagePath(e)}?${PREVIEW_PARAM}=${l.token}`} target="_blank" rel="noopener" data-variant={l.id}>
          arm {l.id}
        </a>
      ))}
    </p>
  );
}
