import { IntentLink } from '@/components/nav/IntentLink';
import { SORTS, type SortKey } from '@/lib/catalog/listing';

/** Sorting as links rather than a select: works without JavaScript and each order has its own URL. */
export function SortLinks({ current, href }: { current: SortKey; href: (sort: SortKey) => string }) {
  return (
    <nav aria-label="Sort products" className="scrollbar-thin -mx-1 overflow-x-auto">
      <ul className="flex gap-1 px-1 text-sm">
        {(Object.keys(SORTS) as SortKey[]).map((key) => (
          <li key={key} className="shrink-0">
            <IntentLink
              href={href(key)}
              aria-current={key === current ? 'true' : undefined}
              className={`block rounded-full border px-3 py-1 ${key === current ? 'border-brand-600 bg-brand-50 font-semibold text-brand-700' : 'border-slate-300 hover:border-slate-500'}`}
            >
              {SORTS[key].label}
            </IntentLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
