/** A plain GET form: search works before (and without) any JavaScript. */
export function SearchForm({ defaultValue = '', autoFocus = false }: { defaultValue?: string; autoFocus?: boolean }) {
  return (
    <form action="/search" method="get" role="search" className="flex w-full min-w-0 gap-2">
      <label htmlFor={autoFocus ? 'q-page' : 'q'} className="sr-only">
        Search products
      </label>
      <input
        id={autoFocus ? 'q-page' : 'q'}
        name="q"
        type="search"
        defaultValue={defaultValue}
        autoFocus={autoFocus}
        placeholder="Search 3,000+ gifts…"
        maxLength={100}
        className="min-w-0 flex-1 rounded-full border border-slate-300 bg-white px-4 py-2 text-sm"
      />
      <button type="submit" className="rounded-full bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700">
        Search
      </button>
    </form>
  );
}
