'use client';
import { useEffect } from 'react';
import { recordEvent } from '@/lib/history/store';
import { benchOnDevice, goldenOnDevice, warmParts } from '@/lib/device/client';

/** On `/?bench=1` only: lets `npm run bench` drive the real worker from outside the page. */
export function BenchHook() {
  useEffect(() => {
    if (new URLSearchParams(location.search).get('bench') !== '1') return;
    (window as unknown as { tandemBench: typeof benchOnDevice }).tandemBench = benchOnDevice;
    // The device's self-check: golden.json through a forced path (the e2e tests, for WASM and WebGPU).
    (window as unknown as { tandemGolden: typeof goldenOnDevice }).tandemGolden = goldenOnDevice;
    // Click-to-reranked-shelf: the bench records a view the way a product page does, then times the swap; `warm`
    // is what reaching for a product's link does first (components/nav/IntentLink.tsx).
    (window as unknown as { tandemBenchHistory: { recordEvent: typeof recordEvent; warm: typeof warmParts } }).tandemBenchHistory = { recordEvent, warm: warmParts };
  }, []);
  return null;
}
