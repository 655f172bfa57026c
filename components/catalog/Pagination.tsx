import { IntentLink } from '@/components/nav/IntentLink';

/** Page links: first, last, and two either side of the current page. */
export function pageWindow(page: number, pageCount: number): (number | 'gap')[] {
  const pages = new Set([1, pageCount]);
  for (let p = page - 2; p <= page + 2; p++) if (p >= 1 && p <= pageCount) pages.add(p);
  const sorted = [...pages].sort((a, b) => a - b);
  const out: (number | 'gap')[] = [];
  sorted.forEach((p, i) => {
    if (i > 0 && p - sorted[i - 1]! > 1) out.push('gap');
    out.push(p);
  });
  return out;
}

export function Pagination({ page, pageCount, href }: { page: number; pageCount: number; href: (page: number) => string }) {
  if (pageCount <= 1) return null;
  const item = 'inline-flex min-w-10 items-center justify-center rounded-full px-3 py-2 text-sm';
  return (
    <nav aria-label="Pages" className="mt-8 flex justify-center">
      <ul className="flex flex-wrap items-center gap-1">
        <li>
          {page > 1 ? (
            <IntentLink className={`${item} hover:bg-slate-100`} href={href(page - 1)} rel="prev">
              ← Previous
            </IntentLink>
          ) : (
            <span className={`${item} text-slate-400`} aria-disabled="true">
              ← Previous
            </span>
          )}
        </li>
        {pageWindow(page, pageCount).map((p, i) =>
          p === 'gap' ? (
            <li key={`gap-${i}`} className="px-1 text-slate-400" aria-hidden="true">
              …
            </li>
          ) : (
            <li key={p}>
              <IntentLink
                className={`${item} ${p === page ? 'bg-brand-600 font-semibold text-white' : 'hover:bg-slate-100'}`}
                href={href(p)}
                aria-current={p === page ? 'page' : undefined}
                aria-label={`Page ${p}`}
              >
                {p}
              </IntentLink>
            </li>
          ),
        )}
        <li>
          {page < pageCount ? (
            <IntentLink className={`${item} hover:bg-slate-100`} href={href(page + 1)} rel="next">
              Next →
            </IntentLink>
          ) : (
            <span className={`${item} text-slate-400`} aria-disabled="true">
              Next →
            </span>
          )}
        </li>
      </ul>
    </nav>
  );
}
