'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { Experiment } from '@/lib/config/schema';
import { sendExperiment } from './experiment-api';

const RAMPS = [0.1, 0.25, 0.5, 1];
const button = 'rounded-full border border-slate-400 px-3 py-1 text-sm font-semibold hover:border-slate-700 disabled:opacity-50';

/**
 * Start, pause, resume, stop and ramp one experiment from the dashboard (PATCH /admin/api/experiments/:id with the
 * revision the page was rendered from: a change made meanwhile is refused, not overwritten).
 */
export function ExperimentControls({ experiment: e, revision }: { experiment: Experiment; revision: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const router = useRouter();
  const patch = async (change: Partial<Experiment>) => {
    setBusy(true);
    const r = await sendExperiment('PATCH', `/admin/api/experiments/${encodeURIComponent(e.id)}`, change, revision);
    setBusy(false);
    if (!r.ok) return setError(Object.values(r.fields)[0] ?? r.error);
    setError(undefined);
    router.refresh();
  };
  const wider = RAMPS.filter((r) => r > e.traffic);
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="experiment-controls" data-experiment={e.id} data-status={e.status}>
      {(e.status === 'draft' || e.status === 'paused') && (
        <button type="button" className={button} disabled={busy} onClick={() => void patch({ status: 'running' })}>
          {e.status === 'draft' ? 'Start' : 'Resume'}
        </button>
      )}
      {e.status === 'running' && (
        <button type="button" className={button} disabled={busy} onClick={() => void patch({ status: 'paused' })}>
          Pause
        </button>
      )}
      {e.status !== 'ended' && (
        <button type="button" className={button} disabled={busy} onClick={() => void patch({ status: 'ended' })}>
          Stop
        </button>
      )}
      {e.status !== 'ended' && e.status !== 'draft' && wider.length > 0 && (
        <span className="flex items-center gap-1 text-sm">
          <span>
            {Math.round(e.traffic * 100)}% of visitors in the test; ramp to
          </span>
          {wider.map((r) => (
            <button key={r} type="button" className={button} disabled={busy} onClick={() => void patch({ traffic: r })} aria-label={`Ramp ${e.id} to ${Math.round(r * 100)}% of visitors`}>
              {Math.round(r * 100)}%
            </button>
          ))}
        </span>
      )}
      {error && (
        <p role="alert" className="w-full text-sm text-red-700" data-testid="controls-error">
          {error}
        </p>
      )}
    </div>
  );
}
