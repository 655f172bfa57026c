import type { ShelfState } from '@/lib/experiments/holdback';

/** Every move of every shelf (new readouts, fallbacks, recoveries), newest first. */
export function HealthLogView({ log }: { log: ShelfState[] }) {
  return (
    <section aria-labelledby="health-log" className="my-8">
      <h2 id="health-log" className="text-lg font-bold">
        Log
      </h2>
      {log.length === 0 ? (
        <p className="text-sm text-slate-700">Nothing has moved yet.</p>
      ) : (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Health log table">
          <table className="w-full min-w-[560px] text-left text-sm" data-testid="health-log">
            <thead>
              <tr className="border-b border-slate-200 text-slate-600">
                <th className="py-1 pr-3 font-medium">When (UTC)</th>
                <th className="py-1 pr-3 font-medium">Shelf</th>
                <th className="py-1 pr-3 font-medium">Now</th>
                <th className="py-1 pr-3 font-medium">Why</th>
              </tr>
            </thead>
            <tbody>
              {log.map((s) => (
                <tr key={`${s.placement}-${s.epoch}`} className="border-b border-slate-100 align-top" data-testid="health-log-row" data-mode={s.mode}>
                  <td className="py-1 pr-3 whitespace-nowrap tabular-nums">{new Date(s.since).toISOString().slice(0, 19).replace('T', ' ')}</td>
                  <td className="py-1 pr-3">{s.placement}</td>
                  <td className="py-1 pr-3">{s.mode === 'fallback' ? 'baseline (fallback)' : 'model'}</td>
                  <td className="py-1 pr-3">{s.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
