/**
 * Deterministic experiment assignment: a visitor's bucket is a hash of their first-party anonymous id
 * and the experiment's salt, so it is the same on every visit, in proxy.ts, on the server and in the
 * browser, with nothing stored but the id. Synchronous and pure (no Web Crypto, which plain-http
 * pages lack), so the same function runs everywhere.
 */
import { PLACEMENT_PAGE, questionOf, type Experiment, type Page, type Placement, type StoreConfig } from '../config/schema';

/** MurmurHash3 (x86, 32-bit) of the UTF-8 bytes: fast, well mixed, and identical in every runtime. */
export function murmur3(text: string, seed = 0): number {
  const bytes = new TextEncoder().encode(text);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const tail = bytes.length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[tail]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The visitor's position in [0, 1) for this salt. */
export function bucket(visitorId: string, salt: string): number {
  return murmur3(`${salt}:${visitorId}`) / 2 ** 32;
}

/** The variant this visitor sees: the bucket falls into one variant's share of the summed weights. */
export function assignVariant(experiment: Pick<Experiment, 'salt' | 'variants'>, visitorId: string): string {
  const total = experiment.variants.reduce((s, v) => s + v.weight, 0);
  let point = bucket(visitorId, experiment.salt) * total;
  for (const v of experiment.variants) {
    if (point < v.weight) return v.id;
    point -= v.weight;
  }
  // Rounding at the very top of the range: the last variant with any weight.
  return [...experiment.variants].reverse().find((v) => v.weight > 0)!.id;
}

export interface Assignment {
  /** The readout it counts in ('' for a shelf pinned to its baseline: shown, counted nowhere). */
  experiment: string;
  /** An experiment's kind, or a shelf's standing holdback (lib/experiments/holdback.ts: variant 'model' or 'baseline'). */
  kind: Experiment['kind'] | 'holdback';
  /** page-layout experiments: the page whose shelves they lay out. */
  page?: Page;
  /** holdbacks: the shelf held back. */
  placement?: Placement;
  variant: string;
  /** A marketer's preview of this arm (lib/experiments/preview.ts): shown, never counted. */
  preview?: true;
}

/**
 * The assignments with a preview's arm in place of the visitor's own on the same question (a page's layout, the
 * model, the ranking source), for any status (a draft's arms are what a preview is for). Unknown experiment or arm:
 * the visitor's own, unchanged.
 */
export function withPreview(config: StoreConfig, assignments: Assignment[], preview: { experiment: string; variant: string } | null): Assignment[] {
  const e = preview ? config.experiments.find((x) => x.id === preview.experiment) : undefined;
  if (!e || !e.variants.some((v) => v.id === preview!.variant)) return assignments;
  return [...assignments.filter((a) => questionOf(a) !== questionOf(e)), { experiment: e.id, kind: e.kind, ...(e.page ? { page: e.page } : {}), variant: preview!.variant, preview: true }];
}

/** Whether a visitor is in an experiment's traffic (its ramp): a hash point of its own, so a wider ramp keeps everyone it had. */
export function inTraffic(experiment: Pick<Experiment, 'salt' | 'traffic'>, visitorId: string): boolean {
  return experiment.traffic >= 1 || bucket(visitorId, `${experiment.salt}:traffic`) < experiment.traffic;
}

/** Every running experiment's variant for this visitor (those in its traffic). Without an id (no cookie yet), none. */
export function assignAll(config: StoreConfig, visitorId: string | undefined): Assignment[] {
  if (!visitorId) return [];
  return config.experiments
    .filter((e) => e.status === 'running' && inTraffic(e, visitorId))
    .map((e) => ({ experiment: e.id, kind: e.kind, ...(e.page ? { page: e.page } : {}), variant: assignVariant(e, visitorId) }));
}

/** The assignments that change what a placement shows (its page's layout; the ranking source and the model, on every shelf). */
export function assignmentsFor(placement: Placement, assignments: Assignment[]): Assignment[] {
  return assignments.filter((a) => (a.kind === 'holdback' ? a.placement === placement : a.kind === 'ranking-source' || a.kind === 'model' || a.page === PLACEMENT_PAGE[placement]));
}

/** The variant of a kind this visitor is in, or the given default when no such experiment runs. */
export function variantOf(assignments: Assignment[], kind: Experiment['kind'], fallback: string): string {
  return assignments.find((a) => a.kind === kind)?.variant ?? fallback;
}
