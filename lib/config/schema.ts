/**
 * The store's runtime configuration, as marketing edits it in Edge Config (or in the committed local
 * file): experiments, the active model version, kill switches and merchandising rules. One schema for
 * both sources, so a typo in the dashboard is caught exactly like a typo in the file.
 */
import { z } from 'zod';
import { SKU_PATTERN, SKU_RULE } from '../catalog/sku';

/**
 * Where shelves go. 'home-for-you' ("Recommended for you") ranks products the shopper never bought;
 * 'home-buy-again' ("Buy it again") only products they bought, on the device only (it needs the purchase
 * history, which never leaves the device); the product and cart shelves rank like "for you" around
 * what is on screen. `PLACEMENT_RANKING` says which ranking of lib/recs/score.ts each one asks for.
 */
export const PLACEMENTS = ['home-for-you', 'home-buy-again', 'product-similar', 'cart-upsell'] as const;
export type Placement = (typeof PLACEMENTS)[number];

export const PLACEMENT_RANKING = {
  'home-for-you': 'explore',
  'home-buy-again': 'repeat',
  'product-similar': 'explore',
  'cart-upsell': 'explore',
} as const satisfies Record<Placement, 'explore' | 'repeat' | 'all'>;

/** Placements the edge cannot rank: they need the device's purchase history. */
export const DEVICE_ONLY_PLACEMENTS: readonly Placement[] = ['home-buy-again'];

const sku = z.string().regex(SKU_PATTERN, SKU_RULE);
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');

/**
 * What an experiment varies, and the variants each question allows. The page knows how to render each
 * of these; a new kind of question needs code, a new experiment on a known question needs only config.
 */
export const EXPERIMENT_KINDS = {
  /** Home page: the recommendation shelf above or below the hero. */
  'home-shelf-position': { placement: 'home-for-you', variants: ['below-hero', 'above-hero'] },
  /** Product page: "similar" (same category) or "complete the set" (other categories). */
  'product-shelf-kind': { placement: 'product-similar', variants: ['similar', 'complete-the-set'] },
  /** Every shelf: on-device ranking, or the cold-start ranker only. */
  'ranking-source': { placement: null, variants: ['device', 'edge-only'] },
} as const satisfies Record<string, { placement: Placement | null; variants: readonly string[] }>;
export type ExperimentKind = keyof typeof EXPERIMENT_KINDS;

/** What an experiment's readout measures (lib/experiments/report.ts defines each). */
export const METRIC_IDS = ['ctr', 'addToCart', 'conversion', 'revenuePerVisitor', 'recRevenuePerVisitor', 'fallbackRate'] as const;
export type MetricId = (typeof METRIC_IDS)[number];

const VariantSchema = z.strictObject({
  id: slug,
  weight: z.number().min(0).max(1000),
});

export const ExperimentSchema = z
  .strictObject({
    id: slug,
    /** Changing the salt reshuffles everyone: a new experiment on the same question. */
    salt: z.string().min(1).max(64),
    kind: z.enum(Object.keys(EXPERIMENT_KINDS) as [ExperimentKind, ...ExperimentKind[]]),
    question: z.string().min(1).max(200),
    status: z.enum(['draft', 'running', 'paused', 'ended']),
    control: slug,
    variants: z.array(VariantSchema).min(2).max(8),
    /** The metric the decision is made on; the guardrails are watched whatever it is. */
    primaryMetric: z.enum(METRIC_IDS).default('ctr'),
    /** The smallest relative lift worth finding (0.05 = 5%): sets "no effect big enough to matter" and the days still needed. */
    minimumEffect: z.number().gt(0).max(10).default(0.05),
  })
  .superRefine((e, ctx) => {
    const ids = e.variants.map((v) => v.id);
    const allowed: readonly string[] = EXPERIMENT_KINDS[e.kind].variants;
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'variant ids must be unique', path: ['variants'] });
    for (const id of ids) if (!allowed.includes(id)) ctx.addIssue({ code: 'custom', message: `${e.kind} has no variant "${id}" (allowed: ${allowed.join(', ')})`, path: ['variants'] });
    if (!ids.includes(e.control)) ctx.addIssue({ code: 'custom', message: `control "${e.control}" is not one of the variants`, path: ['control'] });
    if (e.variants.reduce((s, v) => s + v.weight, 0) <= 0) ctx.addIssue({ code: 'custom', message: 'variant weights must add up to more than 0', path: ['variants'] });
  });
export type Experiment = z.infer<typeof ExperimentSchema>;

const RuleSchema = z.strictObject({
  /** Shown first, in this order, when the product exists in the active model. */
  pin: z.array(sku).max(12).default([]),
  /** Never shown on this placement. */
  block: z.array(sku).max(500).default([]),
});
export type MerchandisingRule = z.infer<typeof RuleSchema>;

export const StoreConfigSchema = z
  .strictObject({
    /** null: the version public/models/current.json names. A 12-hex version pins the store to it. */
    modelVersion: z
      .string()
      .regex(/^[0-9a-f]{12}$/)
      .nullable()
      .default(null),
    switches: z
      .strictObject({
        /** Off: every shopper gets the cold-start ranker; no model is downloaded. */
        onDeviceRanking: z.boolean().default(true),
        /** Off: shelves show the static best-seller lists; /api/rank answers 503. */
        edgeRanking: z.boolean().default(true),
        /** Off: no events are collected (the endpoint answers 202 and drops them). */
        eventCollection: z.boolean().default(true),
      })
      .prefault({}),
    merchandising: z.partialRecord(z.enum(PLACEMENTS), RuleSchema).default({}),
    experiments: z.array(ExperimentSchema).max(50).default([]),
  })
  .superRefine((c, ctx) => {
    const ids = c.experiments.map((e) => e.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'experiment ids must be unique', path: ['experiments'] });
    const running = c.experiments.filter((e) => e.status === 'running').map((e) => e.kind);
    if (new Set(running).size !== running.length) ctx.addIssue({ code: 'custom', message: 'at most one running experiment per kind', path: ['experiments'] });
  });
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

/** The schema's first complaint, as one line for the logs. */
export function describeConfigError(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}
