import type { Metadata } from 'next';
import { Pagination } from '@/components/catalog/Pagination';
import { ProductGrid } from '@/components/catalog/ProductGrid';
import { SearchForm } from '@/components/layout/SearchForm';
import { PAGE_SIZE, parsePage } from '@/lib/catalog/listing';
import { searchProducts } from '@/lib/catalog/search';
import { getCatalog } from '@/lib/catalog/store';

export const metadata: Metadata = { title: 'Search' };

const MAX_QUERY = 100;

export default async function SearchPage({ searchParams }: PageProps<'/search'>) {
  const query = await searchParams;
  const q = (typeof query.q === 'string' ? query.q : '').slice(0, MAX_QUERY).trim();
  const catalog = getCatalog();
  const results = q ? searchProducts(catalog.search, q) : [];
  const pageCount = Math.max(1, Math.ceil(results.length / PAGE_SIZE));
  const page = Math.min(parsePage(query.page) ?? 1, pageCount);
  const shown = results.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const href = (p: number) => `/search?${new URLSearchParams({ q, ...(p > 1 ? { page: String(p) } : {}) })}`;
  return (
    <>
      <h1 className="text-2xl font-bold">{q ? <>Results for “{q}”</> : 'Search'}</h1>
      <div className="mt-4 max-w-xl">
        <SearchForm defaultValue={q} autoFocus={!q} />
      </div>
      {q && (
        <p className="mt-4 text-sm text-slate-600" data-testid="search-count" role="status">
          {results.length === 0 ? 'No products match. Try a shorter word, such as “heart” or “bag”.' : `${results.length} products`}
        </p>
      )}
      <div className="mt-4">
        <ProductGrid products={shown} version={catalog.version} priorityCount={6} />
      </div>
      <Pagination page={page} pageCount={pageCount} href={href} />
    </>
  );
}
