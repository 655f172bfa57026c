import type { Metadata } from 'next';
import { IntentLink } from '@/components/nav/IntentLink';
import { pictureUrl } from '@/lib/catalog/picture-url';
import { getCatalog } from '@/lib/catalog/store';

export const metadata: Metadata = { title: 'All categories' };

export default function CategoriesPage() {
  const { file, byCategory, version } = getCatalog();
  return (
    <>
      <h1 className="text-2xl font-bold">All categories</h1>
      <ul className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {file.categories.map((c) => {
          const top = byCategory.get(c.slug)?.[0];
          return (
            <li key={c.slug}>
              <IntentLink href={`/categories/${c.slug}`} className="flex items-center gap-4 rounded-2xl border border-slate-200 p-3 hover:border-brand-600">
                {top && (
                  // eslint-disable-next-line @next/next/no-img-element
                  <img src={pictureUrl(top.sku, version)} alt="" width={72} height={72} className="rounded-lg" loading="lazy" />
                )}
                <span>
                  <span className="block font-semibold">{c.label}</span>
                  <span className="text-sm text-slate-600">{c.count} products</span>
                </span>
              </IntentLink>
            </li>
          );
        })}
      </ul>
    </>
  );
}
