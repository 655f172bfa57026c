/**
 * The editor's planner (issue 36): from the last 14 days of shelf views on a page, how many days a test there likely
 * needs before its click-through readout can decide at the smallest lift it declares. The same always-valid
 * interval the readout uses (lib/experiments/stats.ts), the page's own per-visitor variance, the arms' weights and
 * the share of visitors in the test. Pure: the server passes the page's sums, the editor recomputes as weights move.
 */
import { ratioEstimate, visitorsToResolve } from './stats';

/** A page's shelf views and clicks over a window, summed per visitor (each view and click counted once). */
export interface PageTraffic {
  visitors: number;
  exposures: number;
  clicks: number;
  exposuresSq: number;
  clicksSq: number;
  exposuresClicks: number;
  /** Days the window covers (at most 14; fewer when traffic began later). */
  days: number;
}

export interface PlanInput {
  traffic: PageTraffic | null;
  weights: { id: string; weight: number }[];
  control: string;
  /** The smallest relative lift worth finding (0.05 = 5%). */
  minimumEffect: number;
  /** Share of visitors in the test (its ramp). */
  share: number;
}

export type Plan = { ok: true; days: number; visitorsPerDay: number; ctr: number; visitorsNeeded: number } | { ok: false; why: string };

export function planTest(p: PlanInput): Plan {
  const t = p.traffic;
  if (!t || t.visitors < 20 || t.clicks === 0) return { ok: false, why: 'not enough shelf views and clicks on this page in the last 14 days to plan (20 visitors and a click at least)' };
  const total = p.weights.reduce((s, v) => s + Math.max(0, v.weight), 0);
  const control = p.weights.find((v) => v.id === p.control);
  const others = p.weights.filter((v) => v.id !== p.control && v.weight > 0);
  if (!control || control.weight <= 0 || others.length === 0 || total <= 0) return { ok: false, why: 'give the control and at least one other arm some weight' };
  const ctr = ratioEstimate({ n: t.visitors, num: t.clicks, den: t.exposures, numSq: t.clicksSq, denSq: t.exposuresSq, cross: t.exposuresClicks });
  if (ctr.value <= 0) return { ok: false, why: 'no clicks on this page yet' };
  // The slowest comparison decides: the smallest arm against control, each a share of the test's visitors.
  const b = control.weight / total;
  const a = Math.min(...others.map((v) => v.weight)) / total;
  const perVisitor = ctr.n * ctr.variance;
  const liftPerVisitor = (perVisitor / (ctr.value * ctr.value)) * (a + b) * (1 / a + 1 / b);
  const pair = visitorsToResolve({ value: 0, variance: liftPerVisitor, n: 1 }, p.minimumEffect);
  const visitorsPerDay = t.visitors / Math.max(1, t.days);
  const entering = visitorsPerDay * p.share;
  if (!Number.isFinite(pair) || entering <= 0) return { ok: false, why: 'this page has too little traffic to decide at that lift' };
  const visitorsNeeded = Math.ceil(pair / (a + b));
  return { ok: true, days: Math.ceil(visitorsNeeded / entering), visitorsPerDay, ctr: ctr.value, visitorsNeeded };
}
