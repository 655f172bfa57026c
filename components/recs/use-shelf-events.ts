'use client';
import { useEffect, useEffectEvent, useRef } from 'react';
import { track } from '@/lib/events/client';
import { rememberShelfClick } from '@/lib/events/shelf-clicks';
import { shelfEvents } from '@/lib/events/shelf-events';
import type { ShelfPlan } from '@/lib/shelf/plan';
import type { ShownShelf } from './use-shelf-ranking';

/**
 * A shelf's events (lib/events/shelf-events.ts): one exposure per page view once half the shelf is on screen, and
 * every click on an item.
 */
export function useShelfEvents(plan: ShelfPlan, shown: ShownShelf, fellBack: boolean) {
  const { placement } = plan;
  const anchorSku = plan.rules.anchorSku;
  const ref = useRef<HTMLElement>(null);
  const send = (type: 'exposure' | 'click', position: number | null) => {
    for (const e of shelfEvents(plan, shown, type, position, fellBack)) track(e);
  };
  // With what is shown when it becomes visible, not when the observer was set up.
  const exposed = useEffectEvent(() => send('exposure', null));
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting && e.intersectionRatio >= 0.5)) {
          io.disconnect();
          exposed();
        }
      },
      { threshold: 0.5 },
    );
    io.observe(el);
    return () => io.disconnect();
    // Once per page view of this placement (and product on screen).
  }, [placement, anchorSku]);
  const clicked = (sku: string, position: number) => {
    rememberShelfClick(sku);
    send('click', position);
  };
  return { ref, clicked };
}
