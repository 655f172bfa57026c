/**
 * The events one shelf sends for a view or a click, defined once: the page (components/recs/use-shelf-events.ts)
 * and the replay (scripts/replay.ts) both send these. One event per experiment the shelf is in (each readout
 * counts its own); the standing holdback's arm rides on the first only, so its readout counts the view once.
 * No product code: placement and position say what the readouts need.
 */
import type { ShelfSource } from '../recs/shelf-source';
import type { ShelfPlan } from '../shelf/plan';
import type { ShopperEvent } from './schema';

export type ShelfEvent = Omit<ShopperEvent, 'id' | 'at'>;

export interface ShownOnShelf {
  source: ShelfSource;
  modelVersion: string;
  /** Ranked on the device: how long it took there. */
  rankMs?: number;
}

export function shelfEvents(plan: Pick<ShelfPlan, 'placement' | 'experiments' | 'holdback'>, shown: ShownOnShelf, type: 'exposure' | 'click', position: number | null, fellBack: boolean): ShelfEvent[] {
  const base = {
    type,
    placement: plan.placement,
    source: shown.source,
    modelVersion: shown.modelVersion,
    ...(type === 'click' ? { position } : { fallback: shown.source === 'static' || fellBack, ...(shown.rankMs !== undefined ? { rankMs: shown.rankMs } : {}) }),
  };
  const held = { holdback: plan.holdback?.arm ?? null };
  if (plan.experiments.length === 0) return [{ ...base, ...held, experiment: null, variant: null }];
  return plan.experiments.map((x, i) => ({ ...base, ...(i === 0 ? held : {}), experiment: x.experiment, variant: x.variant }));
}
