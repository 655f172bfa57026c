/**
 * The answer of GET /api/rank, defined once: the server builds it (lib/coldstart/serve.ts), the page's
 * fetcher validates it (components/recs/edge-fetch.ts) before a shelf shows it.
 * Parsed in the page, so zod runs jitless (the CSP forbids eval).
 */
import '../zod-jitless';
import { z } from 'zod';
import { SKU_PATTERN } from '../catalog/sku';

export const RankedItemSchema = z.strictObject({
  sku: z.string().regex(SKU_PATTERN),
  score: z.number(),
  name: z.string(),
  price: z.number().nonnegative(),
  /** Placed by a merchandising rule, not by the ranker. */
  pinned: z.literal(true).optional(),
  /** Why it is shown (lib/recs/reasons.ts): one short line under the card, the whole sentence in its title. */
  reason: z.strictObject({ kind: z.enum(['bought-with', 'like', 'bought-before', 'popular', 'pinned']), short: z.string().max(40), full: z.string().max(120) }).optional(),
});
export type Ranked = z.infer<typeof RankedItemSchema>;

export const RankAnswerSchema = z.strictObject({
  items: z.array(RankedItemSchema),
  source: z.literal('edge'),
  modelVersion: z.string(),
  /** The visitor's variant of the experiment this placement is part of, if any. */
  experiment: z.strictObject({ id: z.string(), variant: z.string() }).nullable(),
});
export type RankAnswer = z.infer<typeof RankAnswerSchema>;
