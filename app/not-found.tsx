import { IntentLink } from '@/components/nav/IntentLink';
import { SearchForm } from '@/components/layout/SearchForm';

export default function NotFound() {
  return (
    <section className="mx-auto max-w-xl py-12 text-center" data-testid="not-found">
      <p className="text-sm font-semibold tracking-widest text-brand-700">404</p>
      <h1 className="mt-2 text-3xl font-bold">We can&apos;t find that page</h1>
      <p className="mt-3 text-slate-700">The product may have been retired, or the link mistyped. Try a search instead:</p>
      <div className="mt-6">
        <SearchForm />
      </div>
      <p className="mt-6">
        <IntentLink href="/" className="font-semibold text-brand-700 underline">
          Back to the shop
        </IntentLink>
      </p>
    </section>
  );
}
