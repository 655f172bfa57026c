/**
 * What an order must look like to be counted (issue 24): a forged order of 100 lines × 1,714 of a £175
 * product was £29.9M, accepted, and moved an arm's revenue per visitor from £0 to £4,499. The bounds come from
 * the shop itself and are configurable:
 *   quantity per line  at most the cart's own MAX_QUANTITY (99): this store's cart cannot send more, so
 *                      a larger line did not come from it (TANDEM_MAX_LINE_QUANTITY);
 *   order value        at most TANDEM_MAX_ORDER_GBP, £10,000 by default: about 57 of the dearest product (£175)
 *                      and far above a real basket of this gift shop (its log's orders are mostly under £1,000).
 * An implausible order is refused on its own with a 4xx and its reason; the batch's other events are kept.
 * The readout's per-visitor revenue cap (lib/events/store.ts) still bounds whatever passes.
 */
import { z } from 'zod';
import { MAX_QUANTITY } from '../cart/cart';

export interface OrderLimits {
  maxLineQuantity: number;
  maxOrderPence: number;
}

const Env = z.object({
  TANDEM_MAX_LINE_QUANTITY: z.coerce.number().int().min(1).max(10_000).optional(),
  TANDEM_MAX_ORDER_GBP: z.coerce.number().positive().max(10_000_000).optional(),
});

export const DEFAULT_ORDER_LIMITS: OrderLimits = { maxLineQuantity: MAX_QUANTITY, maxOrderPence: 10_000 * 100 };

/** The limits from the environment; a value that does not parse is an error at start, not a silent default. */
export function orderLimits(env: Record<string, string | undefined> = process.env): OrderLimits {
  const e = Env.parse({ TANDEM_MAX_LINE_QUANTITY: env.TANDEM_MAX_LINE_QUANTITY || undefined, TANDEM_MAX_ORDER_GBP: env.TANDEM_MAX_ORDER_GBP || undefined });
  return {
    maxLineQuantity: e.TANDEM_MAX_LINE_QUANTITY ?? DEFAULT_ORDER_LIMITS.maxLineQuantity,
    maxOrderPence: e.TANDEM_MAX_ORDER_GBP === undefined ? DEFAULT_ORDER_LIMITS.maxOrderPence : Math.round(e.TANDEM_MAX_ORDER_GBP * 100),
  };
}
