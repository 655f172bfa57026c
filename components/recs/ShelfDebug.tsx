import type { DeviceResult } from '@/lib/recs/client';

/** `?debug=1`: where this shelf's items came from, how long it took, and what they scored. */
export function ShelfDebug({ source, device, fallbackReason }: { source: string; device?: DeviceResult; fallbackReason?: string }) {
  return (
    <details open className="mt-2 rounded-lg border border-amber-300 bg-amber-50 p-3 font-mono text-xs" data-testid="recs-debug">
      <summary className="cursor-pointer font-semibold">
        debug: {source}
        {device && ` · ${device.source === 'device-webgpu' ? 'WebGPU' : 'WASM'} · model ${device.modelVersion}`}
      </summary>
      {fallbackReason && <p className="mt-1 text-red-700">fallback: {fallbackReason}</p>}
      {device ? (
        <>
          <p className="mt-1">
            load {device.timings.loadMs} ms (first request) · inference {device.timings.inferenceMs.toFixed(2)} ms · ranking {device.timings.rankingMs.toFixed(2)} ms
          </p>
          <p className="mt-1 break-all">history used ({device.historyUsed.length}): {device.historyUsed.join(', ') || '—'}</p>
          <ol className="mt-1 grid grid-cols-2 gap-x-4 sm:grid-cols-4">
            {device.items.map((i) => (
              <li key={i.sku}>
                {i.sku}: {i.score.toFixed(4)}
              </li>
            ))}
          </ol>
        </>
      ) : (
        !fallbackReason && <p className="mt-1">static list (best sellers): no history on this device yet</p>
      )}
    </details>
  );
}
