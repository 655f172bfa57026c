/**
 * What the server decides about an event before it is stored, so nothing the device says can bias a number:
 * the experiment arm comes from the visitor's assignment (the same hash the page used), an order's value from
 * the server's own catalogue, and product codes are dropped from everything but an order's lines. Pure.
 */
import type { Experiment, Placement } from '../config/schema';
import type { HoldbackArm } from '../experiments/holdback';
import type { Assignment } from '../experiments/assign';
import { DEFAULT_ORDER_LIMITS, type OrderLimits } from './plausible';
import type { OrderLine, RefusalReason, ShopperEvent, StoredEvent } from './schema';

export interface LabelContext {
  /** Who sent the batch, from the signed visitor cookie; `counted` false for an id the readouts leave out. */
  visitor: { id: string; counted: boolean };
  receivedAt: number;
  /** Every experiment in the config, whatever its status. */
  experiments: readonly Experiment[];
  /** The visitor's assignments (running experiments only). */
  assignments: readonly Assignment[];
  /** The server's price of a product in GBP, or undefined for a code it does not sell. */
  price: (sku: string) => number | undefined;
  /** What an order may look like to be counted (lib/events/plausible.ts). */
  limits?: OrderLimits;
}

export interface Labelled {
  events: StoredEvent[];
  /** Events whose claimed arm was replaced by the visitor's own. */
  relabelled: number;
  /** Events refused, each with why: the others in the batch are kept. */
  refused: { index: number; reason: RefusalReason; error: string }[];
}

/**
 * Decision: a claimed arm that differs from the visitor's is replaced, not refused. The server's hash is the
 * truth either way, and a device may honestly hold an event from before a config change; refusing the batch
 * would lose its other events. An event for an experiment missing from the config, or an order line for a product
 * we do not sell, is refused on its own: nothing can be attributed to it, and the batch's other events are kept.
 */
export function labelEvents(events: readonly ShopperEvent[], ctx: LabelContext): Labelled {
  const known = new Set(ctx.experiments.map((e) => e.id));
  const assigned = new Map(ctx.assignments.filter((a) => a.kind !== 'holdback').map((a) => [a.experiment, a.variant]));
  // The shelves' standing holdbacks: the arm a shelf's exposure or click counts in is the visitor's, whatever the page says.
  const held = new Map(ctx.assignments.filter((a) => a.kind === 'holdback' && a.experiment).map((a) => [a.placement, { experiment: a.experiment, arm: a.variant as HoldbackArm }]));
  const out: StoredEvent[] = [];
  let relabelled = 0;
  const refused: Labelled['refused'] = [];
  events: for (const [i, e] of events.entries()) {
    if (e.experiment !== null && !known.has(e.experiment)) {
      refused.push({ index: i, reason: 'unknown-experiment', error: `events.${i}.experiment: no experiment "${e.experiment}" in the config` });
      continue;
    }
    const variant = e.experiment === null ? undefined : assigned.get(e.experiment);
    if (e.experiment !== null && variant !== undefined && variant !== e.variant) relabelled++;
    const { sku, lines: claimedLines, rankMs, holdback: claimedArm, ...rest } = e;
    const holdback = (e.type === 'exposure' || e.type === 'click') && e.placement ? held.get(e.placement as Placement) : undefined;
    if (holdback && claimedArm && claimedArm !== holdback.arm) relabelled++;
    const stored: StoredEvent = {
      ...rest,
      // A ranking time is the device's, of an exposure it ranked: on anything else it would be a made-up number.
      ...(rankMs !== undefined && e.type === 'exposure' && e.source?.startsWith('device-') ? { rankMs } : {}),
      // Not running: stored, attributed to no arm.
      experiment: variant === undefined ? null : e.experiment,
      variant: variant ?? null,
      ...(holdback ? { holdback } : {}),
      visitor: ctx.visitor.id,
      receivedAt: ctx.receivedAt,
      ...(ctx.visitor.counted ? {} : { leftOut: 'new-visitor-limit' as const }),
    };
    if (e.type !== 'purchase') {
      out.push(stored);
      continue;
    }
    // A page from before order lines sent one purchase per product.
    const lines: OrderLine[] | undefined = claimedLines ?? (sku ? [{ sku, quantity: 1, fromShelf: false }] : undefined);
    if (!lines) {
      refused.push({ index: i, reason: 'no-lines', error: `events.${i}.lines: an order needs its lines` });
      continue;
    }
    const limits = ctx.limits ?? DEFAULT_ORDER_LIMITS;
    let revenue = 0;
    let fromShelf = 0;
    for (const [j, l] of lines.entries()) {
      const price = ctx.price(l.sku);
      if (price === undefined) {
        refused.push({ index: i, reason: 'unknown-product', error: `events.${i}.lines.${j}.sku: ${l.sku} is not a product of this store` });
        continue events;
      }
      if (l.quantity > limits.maxLineQuantity) {
        refused.push({ index: i, reason: 'implausible-order', error: `events.${i}.lines.${j}.quantity: ${l.quantity} is more than this store's cart allows on a line (${limits.maxLineQuantity})` });
        continue events;
      }
      const pence = Math.round(price * 100) * l.quantity;
      revenue += pence;
      if (l.fromShelf) fromShelf += pence;
    }
    if (revenue > limits.maxOrderPence) {
      refused.push({ index: i, reason: 'implausible-order', error: `events.${i}.lines: an order of £${(revenue / 100).toFixed(2)} is above this store's plausible maximum (£${(limits.maxOrderPence / 100).toFixed(2)})` });
      continue;
    }
    out.push({ ...stored, lines, revenuePence: revenue, recRevenuePence: fromShelf });
  }
  return { events: out, relabelled, refused };
}
