import { AppHandoff } from '@/components/handoff/AppHandoff';
import { appBannerMetadata } from '@/components/handoff/server';
import type { Metadata } from 'next';
import { IntentLink } from '@/components/nav/IntentLink';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/catalog/Pagination';
import { ProductGrid } from '@/components/catalog/ProductGrid';
import { SortLinks } from '@/components/catalog/SortLinks';
import { categoryLabel, isCategorySlug } from '@/lib/catalog/categories';
import { DEFAULT_SORT, PAGE_SIZE, paginate, parsePage, parseSort, type SortKey } from '@/lib/catalog/listing';
import { getCatalog } from '@/lib/catalog/store';

export async function generateMetadata({ params }: PageProps<'/categories/[slug]'>): Promise<Metadata> {
  const { slug } = await params;
  if (!isCategorySlug(slug)) return { title: 'Not found' };
  return { title: categoryLabel(slug), ...(await appBannerMetadata(`/categories/${slug}`)) };
}

function href(slug: string, sort: SortKey, page: number): string {
  const q = new URLSearchParams();
  if (sort !== DEFAULT_SORT) q.set('sort', sort);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return `/categories/${slug}${s ? `?${s}` : ''}`;
}

export default async function CategoryPage({ params, searchParams }: PageProps<'/categories/[slug]'>) {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  if (!isCategorySlug(slug)) notFound();
  const catalog = getCatalog();
  const sort = parseSort(query.sort);
  const pageNo = parsePage(query.page);
  const page = pageNo === null ? null : paginate(catalog.byCategory.get(slug) ?? [], sort, pageNo);
  if (!page) notFound();
  const first = (page.page - 1) * PAGE_SIZE + 1;
  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <IntentLink href="/" className="hover:underline">
          Home
        </IntentLink>{' '}
        / <IntentLink href="/categories" className="hover:underline">Categories</IntentLink>
      </nav>
      <div className="mt-2 mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">{categoryLabel(slug)}</h1>
        <AppHandoff path={`/categories/${slug}`} />
        <p className="text-sm text-slate-600" data-testid="result-range">
          {first}–{first + page.items.length - 1} of {page.total} products
        </p>
      </div>
      <SortLinks current={sort} href={(s) => href(slug, s, 1)} />
      <div className="mt-4">
        <ProductGrid products={page.items} version={catalog.version} priorityCount={6} />
      </div>
      <Pagination page={page.page} pageCount={page.pageCount} href={(p) => href(slug, sort, p)} />
    </>
  );
}
