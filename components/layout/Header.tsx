import { IntentLink } from '@/components/nav/IntentLink';
import { CartLink } from '@/components/cart/CartLink';
import { getCatalog } from '@/lib/catalog/store';
import { SearchForm } from './SearchForm';

export function Header() {
  const { file } = getCatalog();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-3 sm:flex-nowrap">
        <IntentLink href="/" className="text-xl font-extrabold tracking-tight text-brand-700" aria-label="Tandem home">
          Tandem
        </IntentLink>
        <div className="order-last w-full sm:order-none sm:flex-1">
          <SearchForm />
        </div>
        <CartLink />
      </div>
      <nav aria-label="Categories" className="mx-auto max-w-6xl">
        <ul className="scrollbar-thin flex gap-1 overflow-x-auto px-4 pb-2 text-sm">
          {file.categories.map((c) => (
            <li key={c.slug} className="shrink-0">
              <IntentLink href={`/categories/${c.slug}`} className="block rounded-full px-3 py-1 text-slate-700 hover:bg-brand-50 hover:text-brand-700">
                {c.label}
              </IntentLink>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}
