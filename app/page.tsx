import { IntentLink } from '@/components/nav/IntentLink';
import { ProductGrid } from '@/components/catalog/ProductGrid';
import { PageShelves } from '@/components/recs/PageShelves';
import { getCatalog } from '@/lib/catalog/store';

export default function HomePage() {
  const catalog = getCatalog();
  // Which shelves go where is the visitor's layout (config; a page-layout experiment's variant), decided on the
  // server, so the first HTML has every shelf in place.
  const lists = { 'home-for-you': { fallback: catalog.bestSellers }, 'home-buy-again': { fallback: [] } };
  const bestIds = new Set(catalog.bestSellers.slice(0, 12).map((p) => p.sku));
  const inSeason = catalog.trending.filter((p) => !bestIds.has(p.sku)).slice(0, 12);
  return (
    <>
      <PageShelves page="home" slot="above-hero" lists={lists} version={catalog.version} />
      <section className="rounded-3xl bg-gradient-to-br from-brand-50 to-amber-50 px-6 py-10 sm:px-10">
        <h1 className="max-w-2xl text-3xl font-extrabold tracking-tight sm:text-4xl">Gifts and homeware, picked on your own device.</h1>
        <p className="mt-3 max-w-xl text-slate-700">
          {catalog.file.products.length.toLocaleString('en-GB')} products from a real gift shop. Your recommendations are
          computed in your browser: what you look at stays on this device.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <IntentLink href="/categories/christmas" className="rounded-full bg-brand-600 px-5 py-2.5 font-semibold text-white hover:bg-brand-700">
            Shop Christmas
          </IntentLink>
          <IntentLink href="/categories" className="rounded-full border border-slate-400 px-5 py-2.5 font-semibold hover:border-slate-700">
            All categories
          </IntentLink>
        </div>
      </section>

      <PageShelves page="home" slot="below-hero" lists={lists} version={catalog.version} />

      <section aria-labelledby="in-season" className="my-8">
        <h2 id="in-season" className="mb-3 text-lg font-bold">
          Popular this season
        </h2>
        <ProductGrid products={inSeason} version={catalog.version} />
      </section>

      <section aria-labelledby="shop-by-category" className="my-8">
        <h2 id="shop-by-category" className="mb-3 text-lg font-bold">
          Shop by category
        </h2>
        <CategoryTiles />
      </section>
    </>
  );
}

function CategoryTiles() {
  const { file } = getCatalog();
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
      {file.categories.map((c) => (
        <li key={c.slug}>
          <IntentLink href={`/categories/${c.slug}`} className="block rounded-2xl border border-slate-200 p-4 hover:border-brand-600 hover:bg-brand-50">
            <span className="block font-semibold">{c.label}</span>
            <span className="text-sm text-slate-600">{c.count} products</span>
          </IntentLink>
        </li>
      ))}
    </ul>
  );
}
