'use client';
import { useEffect } from 'react';

/** Registers public/sw.js after load (production only), so the store keeps working offline after one visit. */
export function ServiceWorker() {
  useEffect(() => {
    if (process.env.NODE_ENV !== 'production' || !('serviceWorker' in navigator)) return;
    const firstVisit = !navigator.serviceWorker.controller;
    const register = async () => {
      try {
        await navigator.serviceWorker.register('/sw.js');
        const ready = await navigator.serviceWorker.ready;
        if (!firstVisit) return;
        // This page loaded before the worker existed: hand it the same-origin files it used.
        const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)].filter((u) => new URL(u).origin === location.origin);
        ready.active?.postMessage({ type: 'cache-urls', urls });
      } catch (e) {
        console.warn('[tandem] offline support unavailable:', (e as Error).message);
      }
    };
    if (document.readyState === 'complete') void register();
    else window.addEventListener('load', () => void register(), { once: true });
  }, []);
  return null;
}
