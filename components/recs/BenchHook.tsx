'use client';
import { useEffect } from 'react';
import { benchOnDevice } from '@/lib/recs/client';

/** On `/?bench=1` only: lets `npm run bench` drive the real worker from outside the page. */
export function BenchHook() {
  useEffect(() => {
    if (new URLSearchParams(location.search).get('bench') !== '1') return;
    (window as unknown as { tandemBench: typeof benchOnDevice }).tandemBench = benchOnDevice;
  }, []);
  return null;
}
