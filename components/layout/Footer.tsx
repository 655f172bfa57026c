import { HistoryControls } from '@/components/recs/HistoryControls';

export function Footer() {
  return (
    <footer className="mt-12 border-t border-slate-200 bg-slate-50 text-sm text-slate-600">
      <div className="mx-auto max-w-6xl space-y-2 px-4 py-6">
        <HistoryControls />
        <p>
          Products, prices and popularity come from the Online Retail data set, Daqing Chen, UCI Machine Learning
          Repository (<a className="underline" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>). Pictures are
          generated from each product&apos;s name and category.
        </p>
        <p>Tandem is a demonstration store: nothing is sold or shipped.</p>
      </div>
    </footer>
  );
}
