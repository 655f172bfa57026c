import type { DeviceResult } from '@/lib/device/client';
import type { EpDecision, ScoringPath } from '@/lib/device/protocol';
import type { ShelfItem } from '@/lib/recs/shelf';
import type { EdgeResult } from './edge-fetch';

const pathName = (path: ScoringPath, ep: 'wasm' | 'webgpu') => `${path === 'graph' ? 'graph' : 'tower + kernel'} on ${ep === 'webgpu' ? 'WebGPU' : 'WASM'}`;

/** The probe's medians, every candidate in one order; those that could not run here say so. */
function measuredPaths(d: EpDecision): string {
  const ms = (x: number | null, why: string) => (x === null ? why : `${x.toFixed(2)} ms`);
  return [
    `${pathName('kernel', 'wasm')} ${ms(d.wasmMs, '—')}`,
    // Timed only with a hardware WebGPU adapter (lib/device/probe.ts): elsewhere they would cost a download for nothing.
    `${pathName('kernel', 'webgpu')} ${ms(d.webgpuMs, '(not timed: no GPU)')}`,
    `${pathName('graph', 'wasm')} ${ms(d.graphWasmMs, d.webgpuMs === null ? '(not timed: no GPU)' : '(not measured)')}`,
    `${pathName('graph', 'webgpu')} ${ms(d.graphWebgpuMs, d.webgpuMs === null ? '(not timed: no GPU)' : '(not measured)')}`,
  ].join(' · ');
}

/** `?debug=1`: where this shelf's items came from, how long it took, and what they scored. */
export function ShelfDebug({
  source,
  device,
  edge,
  recent,
  fallbackReason,
  edgeError,
}: {
  source: string;
  device?: DeviceResult;
  edge?: EdgeResult;
  recent: string[];
  fallbackReason?: string;
  edgeError?: string;
}) {
  // One item shape everywhere (lib/recs/shelf.ts); only the device's carries the score's parts.
  const scored: readonly (Omit<ShelfItem, 'reason'> & Partial<Pick<ShelfItem, 'reason'>>)[] = device?.items ?? edge?.items ?? [];
  return (
    <details open className="mt-2 rounded-lg border border-amber-300 bg-amber-50 p-3 font-mono text-xs" data-testid="recs-debug">
      <summary className="cursor-pointer font-semibold">
        debug: {source}
        {device && ` · ${device.source === 'device-webgpu' ? 'WebGPU' : 'WASM'} · model ${device.modelVersion} · ${device.ranking} ranking`}
        {!device && edge && ` · /api/rank · model ${edge.modelVersion}`}
      </summary>
      {fallbackReason && (
        <p className="mt-1 text-red-700" data-testid="recs-debug-fallback">
          {device ? 'fell back' : 'device skipped'}: {fallbackReason}
        </p>
      )}
      {edgeError && <p className="mt-1 text-red-700">edge failed: {edgeError}</p>}
      {device && (
        <>
          <p className="mt-1">
            load {device.timings.loadMs} ms (first request) · {device.timings.sharedTower ? 'inference shared with another shelf of this page (one tower run per view)' : `inference ${device.timings.inferenceMs.toFixed(2)} ms`} · ranking {device.timings.rankingMs.toFixed(2)} ms ({device.timings.scorer}{device.timings.head && device.timings.head !== device.timings.scorer && `; head in ${device.timings.head}`})
          </p>
          <p className="mt-1 break-all">history used ({device.historyUsed.length}): {device.historyUsed.join(', ') || '—'}</p>
          {device.epDecision && (
            <p className="mt-1" data-testid="recs-debug-ep">
              measured on this device (every product scored): {measuredPaths(device.epDecision)} → {pathName(device.epDecision.path, device.epDecision.ep)}
            </p>
          )}
        </>
      )}
      {!device && edge && (
        <p className="mt-1 break-all">
          cold start: {edge.ms > 0 ? `round trip ${edge.ms} ms` : 'rendered by the server'}
          {edge.experiment && ` · ${edge.experiment.id}: ${edge.experiment.variant}`} · session products sent: {recent.join(', ') || 'none'}
        </p>
      )}
      {!device && !edge && <p className="mt-1">static list (best sellers): neither the device nor the edge ranked this shelf</p>}
      {scored.length > 0 && (
        <ol className="mt-1 grid grid-cols-1 gap-x-4 sm:grid-cols-2">
          {scored.map((i) => (
            <li key={i.sku} data-testid="recs-debug-item">
              {i.sku}: {i.pinned ? 'pinned' : i.score.toFixed(4)}
              {i.parts && Object.keys(i.parts).length > 0 && (
                <span className="text-slate-600" data-testid="recs-debug-parts">
                  {' = '}
                  {Object.entries(i.parts)
                    .filter(([, v]) => Math.abs(v) >= 5e-5)
                    .map(([k, v]) => `${k} ${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`)
                    .join(' · ')}
                </span>
              )}
              {i.reason && <span className="text-slate-600"> · “{i.reason.full}”</span>}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
