/**
 * What an order must look like to be counted (issue 24): a forged order of 100 lines × 1,714 of a £175
 * product was £29.9M, accepted, and moved an arm's revenue per visitor from £0 to £4,499. The bounds come from
 * the shop itself and are configurable:
 *   quantity per line  at most the cart's own MAX_QUANTITY (99): this store's cart cannot send more, so
 *                      a larger line did not come from it (TANDEM_MAX_LINE_QUANTITY);
 *   order value        at most TANDEM_MAX_ORDER_GBP, £10,000 by default: about 57 of the dearest product (£175)
 *                      and far above a real basket of this gift shop (its log's orders are mostly under £1,000).
 *   per visitor a day  at most TANDEM_MAX_VISITOR_ORDERS_DAY orders (10) worth TANDEM_MAX_VISITOR_GBP_DAY (£10,000)
 *                      together (issue 34: two ids sent 100 orders of £9,975 each, every one accepted, each
 *                      within the per-order bound); counted in the limits store as a bucket that refills over a day.
 * An implausible order is refused on its own with a 4xx and its reason; the batch's other events are kept.
 * The readout's per-visitor revenue cap (lib/events/store.ts) still bounds whatever passes.
 */
import { z } from 'zod';
import { MAX_QUANTITY } from '../cart/cart';

export interface OrderLimits {
  maxLineQuantity: number;
  maxOrderPence: number;
  maxVisitorOrdersPerDay: number;
  maxVisitorPencePerDay: number;
}

const Env = z.object({
  TANDEM_MAX_LINE_QUANTITY: z.coerce.number().int().min(1).max(10_000).optional(),
  TANDEM_MAX_ORDER_GBP: z.coerce.number().positive().max(10_000_000).optional(),
  TANDEM_MAX_VISITOR_ORDERS_DAY: z.coerce.number().int().min(1).max(100_000).optional(),
  TANDEM_MAX_VISITOR_GBP_DAY: z.coerce.number().positive().max(100_000_000).optional(),
});

export const DEFAULT_ORDER_LIMITS: OrderLimits = { maxLineQuantity: MAX_QUANTITY, maxOrderPence: 10_000 * 100, maxVisitorOrdersPerDay: 10, maxVisitorPencePerDay: 10_000 * 100 };

/** The limits from the environment; a value that does not parse is an error at start, not a silent default. */
export function orderLimits(env: Record<string, string | undefined> = process.env): OrderLimits {
  const e = Env.parse({
    TANDEM_MAX_LINE_QUANTITY: env.TANDEM_MAX_LINE_QUANTITY || undefined,
    TANDEM_MAX_ORDER_GBP: env.TANDEM_MAX_ORDER_GBP || undefined,
    TANDEM_MAX_VISITOR_ORDERS_DAY: env.TANDEM_MAX_VISITOR_ORDERS_DAY || undefined,
    TANDEM_MAX_VISITOR_GBP_DAY: env.TANDEM_MAX_VISITOR_GBP_DAY || undefined,
  });
  return {
    maxLineQuantity: e.TANDEM_MAX_LINE_QUANTITY ?? DEFAULT_ORDER_LIMITS.maxLineQuantity,
    maxOrderPence: e.TANDEM_MAX_ORDER_GBP === undefined ? DEFAULT_ORDER_LIMITS.maxOrderPence : Math.round(e.TANDEM_MAX_ORDER_GBP * 100),
    maxVisitorOrdersPerDay: e.TANDEM_MAX_VISITOR_ORDERS_DAY ?? DEFAULT_ORDER_LIMITS.maxVisitorOrdersPerDay,
    maxVisitorPencePerDay: e.TANDEM_MAX_VISITOR_GBP_DAY === undefined ? DEFAULT_ORDER_LIMITS.maxVisitorPencePerDay : Math.round(e.TANDEM_MAX_VISITOR_GBP_DAY * 100),
  };
}
