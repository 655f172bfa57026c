import type { ConfigChange } from '@/lib/events/store';

const shown = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Every change made through the editor or its API, newest first: when, who, what, and the diff leaf by leaf. */
export function ChangeLog({ log, title = 'Change log' }: { log: ConfigChange[]; title?: string }) {
  return (
    <section aria-labelledby="change-log" className="my-8">
      <h2 id="change-log" className="text-lg font-bold">
        {title}
      </h2>
      {log.length === 0 ? (
        <p className="text-sm text-slate-700">No changes made from the dashboard yet.</p>
      ) : (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Change log table">
          <table className="w-full min-w-[560px] text-left text-sm" data-testid="change-log">
            <thead>
              <tr className="border-b border-slate-200 text-slate-600">
                <th className="py-1 pr-3 font-medium">When (UTC)</th>
                <th className="py-1 pr-3 font-medium">Experiment</th>
                <th className="py-1 pr-3 font-medium">Change</th>
                <th className="py-1 pr-3 font-medium">By</th>
                <th className="py-1 pr-3 font-medium">What changed</th>
              </tr>
            </thead>
            <tbody>
              {log.map((c, i) => (
                <tr key={i} className="border-b border-slate-100 align-top" data-testid="change-row" data-action={c.action}>
                  <td className="py-1 pr-3 whitespace-nowrap tabular-nums">{new Date(c.at).toISOString().slice(0, 19).replace('T', ' ')}</td>
                  <td className="py-1 pr-3">{c.experiment}</td>
                  <td className="py-1 pr-3">{c.action}</td>
                  <td className="py-1 pr-3">{c.actor}</td>
                  <td className="py-1 pr-3">
                    <ul className="font-mono text-xs">
                      {c.changes.slice(0, 12).map((d, j) => (
                        <li key={j} className="break-all">
                          {d.path || '(all)'}: {shown(d.from)} → {shown(d.to)}
                        </li>
                      ))}
                      {c.changes.length > 12 && <li>… and {c.changes.length - 12} more</li>}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
