/**
 * Why a card is shown, in words the shopper reads under it: computed with the ranking (on the device for a
 * device ranking, so a reason built from the history never leaves the device with it), one short line that
 * fits the narrowest card (150 px at 375 px) and is cut only between words. The full sentence goes in the
 * card's title for a pointer or a screen reader.
 */
import { strongestAnchor, type Complements } from './complements';

export type ReasonKind = 'bought-with' | 'like' | 'bought-before' | 'popular' | 'pinned';

export interface Reason {
  kind: ReasonKind;
  /** The one line under the card (at most REASON_CHARS characters). */
  short: string;
  /** The whole sentence. */
  full: string;
}

/** What fits on one line of the narrowest card at the reason's type size. */
export const REASON_CHARS = 22;

/** `prefix` then as many whole words of `name` as fit, with "…" when some are left out. */
export function fitLine(prefix: string, name: string, max = REASON_CHARS): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  let out = prefix;
  for (const [i, w] of words.entries()) {
    const more = i < words.length - 1;
    const next = `${out} ${w}`;
    if (next.length + (more ? 1 : 0) > max) return out === prefix ? out : `${out}…`;
    out = next;
  }
  return out;
}

export function reason(kind: ReasonKind, opts: { name?: string; times?: number } = {}): Reason {
  const name = (opts.name ?? '').trim();
  switch (kind) {
    case 'bought-with':
      return { kind, short: fitLine('With', name), full: `Often bought with ${name}` };
    case 'like':
      return { kind, short: fitLine('Like', name), full: `Because you looked at ${name}` };
    case 'bought-before': {
      const t = opts.times ?? 1;
      return { kind, short: t > 1 ? `You bought this ${t}×` : 'You bought this', full: t > 1 ? `You bought this ${t} times` : 'You bought this before' };
    }
    case 'popular':
      return { kind, short: 'Popular this week', full: 'Popular with shoppers this week' };
    case 'pinned':
      return { kind, short: 'Our pick', full: 'Chosen by the shop' };
  }
}

/** What a ranking knows that a reason can name. */
export interface ReasonSources {
  names: readonly string[];
  /** Item embeddings (row-major [n, dim]), for the history product closest to a recommendation. */
  items: Float32Array;
  dim: number;
  /** The history (on the device), or the session's products and the one on screen (at the edge). */
  history: readonly number[];
  pinned: ReadonlySet<number>;
  /** A complement ranking's model and basket ("Often bought with …"). */
  complements?: { model: Complements; basket: readonly number[] };
  /** How often each product was bought (the device, for shelves that show owned products). */
  bought?: ReadonlyMap<number, number>;
}

/**
 * The one rule, for the worker and the edge alike: pinned, then the basket product it is most often bought
 * with, then "you bought this", then the closest history product, else popular.
 */
export function reasonFor(i: number, s: ReasonSources): Reason {
  if (s.pinned.has(i)) return reason('pinned');
  const anchor = s.complements && strongestAnchor(s.complements.model, s.complements.basket, i);
  if (anchor !== undefined) return reason('bought-with', { name: s.names[anchor] });
  const times = s.bought?.get(i);
  if (times) return reason('bought-before', { times });
  const near = nearestInHistory(s.items, s.dim, s.history, i);
  return near !== undefined ? reason('like', { name: s.names[near] }) : reason('popular');
}

/** The history product whose embedding is closest to `item`'s (the one a "Like …" reason names), or undefined. */
export function nearestInHistory(items: Float32Array, dim: number, history: readonly number[], item: number): number | undefined {
  let best: number | undefined;
  let bestDot = -Infinity;
  for (const h of history) {
    if (h === item) continue;
    let x = 0;
    for (let k = 0; k < dim; k++) x += items[h * dim + k]! * items[item * dim + k]!;
    if (x > bestDot) {
      bestDot = x;
      best = h;
    }
  }
  return best;
}
