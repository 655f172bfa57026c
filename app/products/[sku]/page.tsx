import type { Metadata } from 'next';
import { IntentLink } from '@/components/nav/IntentLink';
import { notFound } from 'next/navigation';
import { AddToCart } from '@/components/cart/AddToCart';
import { AppHandoff } from '@/components/handoff/AppHandoff';
import { appBannerMetadata } from '@/components/handoff/server';
import { ProductPicture } from '@/components/catalog/ProductPicture';
import { RecordView } from '@/components/recs/RecordView';
import { PageShelves } from '@/components/recs/PageShelves';
import { categoryLabel } from '@/lib/catalog/categories';
import { formatPrice } from '@/lib/catalog/price';
import { getCatalog, getProduct } from '@/lib/catalog/store';

export async function generateMetadata({ params }: PageProps<'/products/[sku]'>): Promise<Metadata> {
  const product = getProduct(decodeURIComponent((await params).sku));
  if (!product) return { title: 'Product not found' };
  return { title: product.name, description: `${product.name}, ${formatPrice(product.price)}`, ...(await appBannerMetadata(`/products/${encodeURIComponent(product.sku)}`)) };
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

export default async function ProductPage({ params }: PageProps<'/products/[sku]'>) {
  const product = getProduct(decodeURIComponent((await params).sku));
  if (!product) notFound();
  const catalog = getCatalog();
  // Static fallbacks, should neither the device nor the edge rank: best sellers of the same category
  // ("similar"), or of the others ("complete the set"); the best sellers for "bought together".
  const similar = catalog.byCategory.get(product.category) ?? [];
  const others = catalog.bestSellers.filter((p) => p.category !== product.category);
  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <IntentLink href="/" className="hover:underline">
          Home
        </IntentLink>{' '}
        /{' '}
        <IntentLink href={`/categories/${product.category}`} className="hover:underline">
          {categoryLabel(product.category)}
        </IntentLink>
      </nav>
      <article className="mt-4 grid gap-8 md:grid-cols-2">
        <div className="mx-auto w-full max-w-md">
          <ProductPicture sku={product.sku} name={product.name} version={catalog.version} size={400} priority />
        </div>
        <div>
          <h1 className="text-2xl font-bold sm:text-3xl" data-testid="product-name">
            {product.name}
          </h1>
          <p className="mt-3 text-2xl font-semibold tabular-nums" data-testid="product-price">
            {formatPrice(product.price)}
          </p>
          <p className="mt-2 text-sm">
            Category:{' '}
            <IntentLink href={`/categories/${product.category}`} className="font-medium text-brand-700 underline" data-testid="product-category">
              {categoryLabel(product.category)}
            </IntentLink>
          </p>
          <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm text-slate-700">
            <dt className="font-medium">Product code</dt>
            <dd>{product.sku}</dd>
            <dt className="font-medium">Popularity</dt>
            <dd>
              {product.units.toLocaleString('en-GB')} sold in {product.orders.toLocaleString('en-GB')} orders
            </dd>
            <dt className="font-medium">On sale since</dt>
            <dd>{dateFormat.format(new Date(`${product.firstSold}T00:00:00Z`))}</dd>
          </dl>
          <div className="mt-6">
            <AddToCart sku={product.sku} name={product.name} price={product.price} />
          </div>
          <div className="mt-4">
            <AppHandoff path={`/products/${encodeURIComponent(product.sku)}`} />
          </div>
        </div>
      </article>
      <PageShelves
        page="product"
        slot="below-product"
        lists={{ 'product-similar': { fallback: similar, otherFallback: others }, 'product-bought-together': { fallback: catalog.bestSellers } }}
        version={catalog.version}
        anchorSku={product.sku}
      />
      <RecordView sku={product.sku} />
    </>
  );
}
