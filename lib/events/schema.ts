/**
 * Shopper events: what the page sends, what /api/events accepts, what the stores keep. The event id
 * is made on the device, so a batch sent twice (a beacon, then a retry) is stored once.
 */
import { z } from 'zod';
import { MAX_LINES } from '../cart/cart';
import { SKU_PATTERN, SKU_RULE } from '../catalog/sku';
import { PLACEMENTS } from '../config/schema';
import { SHELF_SOURCES } from '../recs/shelf-source';
import { HOLDBACK_ARMS, type HoldbackArm } from '../experiments/holdback';

export const EVENT_TYPES = ['exposure', 'click', 'add-to-cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/**
 * Shelves, plus the two places a shopper acts outside them. 'home-top' is the home shelf's name before it
 * became 'home-for-you': devices may still hold queued events that carry it.
 */
export const EVENT_PLACEMENTS = [...PLACEMENTS, 'product-page', 'cart', 'home-top'] as const;

/** Body limit for POST /api/events: far above a real batch (100 events ≈ 30 KB), far below harm. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_BATCH = 100;
/** An offline device may hold events for a while; older or future-dated ones are refused. */
export const MAX_AGE_MS = 30 * 86_400_000;
export const MAX_CLOCK_SKEW_MS = 86_400_000;

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

/** An order line: what the shop needs to fulfil the order, and whether the shopper had clicked it on a shelf first (decided on the device). */
export const LineSchema = z.strictObject({
  sku: z.string().regex(SKU_PATTERN, SKU_RULE),
  quantity: z.number().int().min(1).max(10_000),
  fromShelf: z.boolean(),
});
export type OrderLine = z.infer<typeof LineSchema>;

export const EventSchema = z.strictObject({
  // One UUID in any letter case is one event (RFC 9562): stored lower-case, so the dedupe sees one id.
  id: z.uuid().transform((s) => s.toLowerCase()),
  type: z.enum(EVENT_TYPES),
  experiment: slug.nullable(),
  variant: slug.nullable(),
  placement: z.enum(EVENT_PLACEMENTS).nullable(),
  /**
   * Sent by pages before the readout stopped needing it; read for an old queued order (its one line), never
   * stored: exposures, clicks and add-to-cart carry no product code.
   */
  sku: z.string().regex(SKU_PATTERN, SKU_RULE).nullable().optional(),
  /** A click's position on the shelf, from 0. */
  position: z.number().int().min(0).max(99).nullable().optional(),
  /** An order's lines (purchase only): at most a cart's. */
  lines: z.array(LineSchema).min(1).max(MAX_LINES).optional(),
  /** An exposure whose list came from a fallback: the device failed, or the static list. */
  fallback: z.boolean().optional(),
  /** Milliseconds since the epoch, on the device's clock. */
  at: z.number().int().positive(),
  source: z.enum(SHELF_SOURCES).nullable().optional(),
  /**
   * An exposure ranked on the device: the milliseconds its ranking took there (the shopper's tower run and the
   * ranking, never the download). Device-measured, so the store caps it (RANK_MS_CAP) before it is summed.
   */
  rankMs: z.number().int().min(0).max(600_000).optional(),
  modelVersion: z
    .string()
    .regex(/^([0-9a-f]{12}|none)$/)
    .nullable()
    .optional(),
  /** A shelf's exposure or click: the standing holdback's arm the page showed (the server relabels it from the visitor's own). */
  holdback: z.enum(HOLDBACK_ARMS).nullable().optional(),
});
export type ShopperEvent = z.infer<typeof EventSchema>;

export const BatchSchema = z.strictObject({
  events: z.array(EventSchema).min(1).max(MAX_BATCH),
});

/**
 * What a store keeps: the event with the labels and prices the server decided, who sent it (the anonymous
 * visitor cookie) and when it arrived. No product code outside an order's lines.
 */
export interface StoredEvent extends Omit<ShopperEvent, 'sku' | 'holdback'> {
  /** The shelf's standing holdback readout it counts in, and the arm, from the visitor's assignment (never the page's claim). */
  holdback?: { experiment: string; arm: HoldbackArm; leftOut?: LeftOutReason };
  visitor: string;
  receivedAt: number;
  /** An order's value, priced from the server's catalogue (never from the device). */
  revenuePence?: number;
  /** The part of it from lines clicked on a shelf first. */
  recRevenuePence?: number;
  /** Set when the readouts leave the visitor out (their events are stored all the same): see LEFT_OUT_REASONS. */
  leftOut?: LeftOutReason;
}

/**
 * Why a readout leaves a visitor out though their events are stored: an id minted over its address's allowance
 * of counted new visitors, or an id older than an hour that entered the experiment over that allowance
 * (a stockpile: lib/experiments/visitor.ts).
 */
export const LEFT_OUT_REASONS = ['new-visitor-limit', 'entry-limit'] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/**
 * Why events were refused at the door, tallied per day so the readout can say what it never saw: no visitor id
 * the server signed (no cookie, a made-up or edited one), or an event the labeller refused (lib/events/label.ts).
 */
export const REFUSAL_REASONS = ['unsigned-visitor', 'implausible-order', 'unknown-product', 'unknown-experiment', 'no-lines'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Reads a batch, or says precisely what is wrong with it (the first problem found). */
export function parseBatch(body: unknown, now: number): { ok: true; events: ShopperEvent[] } | { ok: false; error: string } {
  const parsed = BatchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  for (const [i, e] of parsed.data.events.entries()) {
    if (e.at < now - MAX_AGE_MS || e.at > now + MAX_CLOCK_SKEW_MS) return { ok: false, error: `events.${i}.at: more than 30 days old or in the future` };
    if ((e.experiment === null) !== (e.variant === null)) return { ok: false, error: `events.${i}: experiment and variant come together` };
    if (e.lines && e.type !== 'purchase') return { ok: false, error: `events.${i}.lines: only an order (purchase) has lines` };
  }
  return { ok: true, events: parsed.data.events };
}
