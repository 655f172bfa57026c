'use client';
import { useState } from 'react';
import { forgetShelfClicks } from '@/lib/events/shelf-clicks';
import { clearHistory } from '@/lib/history/store';

export function HistoryControls() {
  const [cleared, setCleared] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-3" data-testid="history-controls">
      <p>
        Your recommendations are computed in this browser from what you view, add and order here. That history stays on
        this device. We receive only which shelf you saw and which position you clicked (never which product), and
        an order&apos;s lines when you place it, each marked if you had clicked it on a shelf.
      </p>
      <button
        type="button"
        className="rounded-full border border-slate-400 px-3 py-1 font-medium text-slate-800 hover:border-slate-700"
        onClick={async () => {
          await clearHistory();
          forgetShelfClicks();
          setCleared(true);
        }}
      >
        Clear my history
      </button>
      <span role="status" aria-live="polite">
        {cleared ? 'History cleared.' : ''}
      </span>
    </div>
  );
}
