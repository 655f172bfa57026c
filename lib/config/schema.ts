/**
 * The store's runtime configuration, as marketing edits it in Edge Config (or in the committed local
 * file): experiments, the active model version, kill switches and merchandising rules. One schema for
 * both sources, so a typo in the dashboard is caught exactly like a typo in the file.
 */
import { z } from 'zod';
import { SKU_PATTERN, SKU_RULE } from '../catalog/sku';
import type { Ranking } from '../recs/shelf-rules';
import { PLACEMENT_PAGE, PLACEMENTS, placementFacts } from './placements';

/** How a refusal names a fixed ranking. */
const RANKING_WORDS: Record<Ranking, string> = { explore: 'what was never bought', all: 'everything', repeat: 'what was bought (repeat)', complement: 'basket complements' };

export { DEVICE_ONLY_PLACEMENTS, PLACEMENT_PAGE, PLACEMENTS, type Placement } from './placements';

const sku = z.string().regex(SKU_PATTERN, SKU_RULE);
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');

/** Pages with shelves, and where on each a shelf can go. */
export const PAGES = ['home', 'product', 'cart'] as const;
export type Page = (typeof PAGES)[number];
export const PAGE_SLOTS = { home: ['above-hero', 'below-hero'], product: ['below-product'], cart: ['below-cart'] } as const satisfies Record<Page, readonly string[]>;
export type Slot = (typeof PAGE_SLOTS)[Page][number];
const SLOTS = [...new Set(Object.values(PAGE_SLOTS).flat())] as [Slot, ...Slot[]];
/**
 * One shelf on a page, as marketing places it: which shelf, in which slot, and optionally its title, size,
 * ranking and (product shelves) category. Everything not said is the shelf's default (lib/shelf/plan.ts).
 */
export const ShelfSlotSchema = z.strictObject({
  placement: z.enum(PLACEMENTS),
  slot: z.enum(SLOTS),
  title: z.string().min(1).max(60).optional(),
  size: z.number().int().min(4).max(24).optional(),
  /** 'explore' (never bought) or 'all' (bought and not, merged); "Buy it again" is always the repeat ranking. */
  ranking: z.enum(['explore', 'all']).optional(),
  /** Product shelves: keep the product's category ("similar") or leave it out ("complete the set"). */
  category: z.enum(['same', 'other']).optional(),
});
export type ShelfSlot = z.infer<typeof ShelfSlotSchema>;
export const LayoutSchema = z.array(ShelfSlotSchema).max(4);

/** What each page shows when no layout experiment runs for the visitor. */
export const DEFAULT_LAYOUTS: Record<Page, ShelfSlot[]> = {
  home: [
    { placement: 'home-buy-again', slot: 'below-hero' },
    { placement: 'home-for-you', slot: 'below-hero' },
  ],
  product: [
    { placement: 'product-bought-together', slot: 'below-product' },
    { placement: 'product-similar', slot: 'below-product' },
  ],
  cart: [{ placement: 'cart-complete', slot: 'below-cart' }],
};

/**
 * What an experiment varies. 'page-layout': each variant is a page's shelves (which, where, how), so a new
 * placement test is config alone. 'ranking-source': on-device ranking, or the cold-start ranker only, on every
 * shelf (code decides what that means, so its variants are fixed). 'model': each variant names a model version
 * that ranks every shelf the visitor sees, on the device and at the edge (a candidate against the current one).
 */
export const EXPERIMENT_KINDS = ['page-layout', 'ranking-source', 'model'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];
const RANKING_SOURCE_VARIANTS = ['device', 'edge-only'];

/** What an experiment's readout measures (lib/experiments/report.ts defines each). */
export const METRIC_IDS = ['ctr', 'addToCart', 'conversion', 'revenuePerVisitor', 'recRevenuePerVisitor', 'fallbackRate', 'deviceRankMs'] as const;
export type MetricId = (typeof METRIC_IDS)[number];

/** A model version: the first 12 hex digits of its content hash (its folder under public/models/). */
const modelVersion = z.string().regex(/^[0-9a-f]{12}$/, 'a model version: 12 lower-case hex digits');

const VariantSchema = z.strictObject({
  id: slug,
  weight: z.number().min(0).max(1000),
  /** page-layout only: the page's shelves in this variant, in order within each slot. */
  layout: LayoutSchema.optional(),
  /** model only: the version that ranks this variant's shelves. */
  model: modelVersion.optional(),
});

export const ExperimentSchema = z
  .strictObject({
    id: slug,
    /** Changing the salt reshuffles everyone: a new experiment on the same question. */
    salt: z.string().min(1).max(64),
    kind: z.enum(EXPERIMENT_KINDS),
    /** page-layout only: the page whose shelves the variants lay out. */
    page: z.enum(PAGES).optional(),
    question: z.string().min(1).max(200),
    status: z.enum(['draft', 'running', 'paused', 'ended']),
    control: slug,
    variants: z.array(VariantSchema).min(2).max(8),
    /** The metric the decision is made on; the guardrails are watched whatever it is. */
    primaryMetric: z.enum(METRIC_IDS).default('ctr'),
    /** The smallest relative lift worth finding (0.05 = 5%): sets "no effect big enough to matter" and the days still needed. */
    minimumEffect: z.number().gt(0).max(10).default(0.05),
    /**
     * The share of visitors in the test (a ramp: 0.1, then 1). Its own hash point, apart from the arm's, so raising it
     * only lets visitors in: everyone already in keeps their arm. The others see the page as if no test ran.
     */
    traffic: z.number().gt(0).max(1).default(1),
  })
  .superRefine((e, ctx) => {
    const ids = e.variants.map((v) => v.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'variant ids must be unique', path: ['variants'] });
    if (!ids.includes(e.control)) ctx.addIssue({ code: 'custom', message: `control "${e.control}" is not one of the variants`, path: ['control'] });
    if (e.variants.reduce((s, v) => s + v.weight, 0) <= 0) ctx.addIssue({ code: 'custom', message: 'variant weights must add up to more than 0', path: ['variants'] });
    if (e.kind !== 'model' && e.variants.some((v) => v.model)) ctx.addIssue({ code: 'custom', message: `only a model experiment names model versions (this one is ${e.kind})`, path: ['variants'] });
    if (e.kind === 'model') {
      e.variants.forEach((v, i) => {
        if (!v.model) ctx.addIssue({ code: 'custom', message: `variant "${v.id}" needs a model: the version its shelves rank with`, path: ['variants', i, 'model'] });
      });
      const models = e.variants.map((v) => v.model);
      if (new Set(models).size !== models.length) ctx.addIssue({ code: 'custom', message: 'two variants name the same model version: nothing to compare', path: ['variants'] });
      if (e.page || e.variants.some((v) => v.layout)) ctx.addIssue({ code: 'custom', message: 'a model experiment takes no page and no layouts', path: ['variants'] });
      return;
    }
    if (e.kind === 'ranking-source') {
      for (const id of ids) if (!RANKING_SOURCE_VARIANTS.includes(id)) ctx.addIssue({ code: 'custom', message: `ranking-source has no variant "${id}" (allowed: ${RANKING_SOURCE_VARIANTS.join(', ')})`, path: ['variants'] });
      if (e.page || e.variants.some((v) => v.layout)) ctx.addIssue({ code: 'custom', message: 'ranking-source takes no page and no layouts', path: ['variants'] });
      return;
    }
    if (!e.page) return void ctx.addIssue({ code: 'custom', message: `page-layout needs a page (${PAGES.join(', ')})`, path: ['page'] });
    const slots: readonly string[] = PAGE_SLOTS[e.page];
    e.variants.forEach((v, i) => {
      if (!v.layout) return void ctx.addIssue({ code: 'custom', message: `variant "${v.id}" needs a layout: the ${e.page} page's shelves`, path: ['variants', i, 'layout'] });
      const seen = new Set<string>();
      v.layout.forEach((s, j) => {
        const at = ['variants', i, 'layout', j];
        if (PLACEMENT_PAGE[s.placement] !== e.page) ctx.addIssue({ code: 'custom', message: `${s.placement} is not a ${e.page} page shelf`, path: [...at, 'placement'] });
        if (!slots.includes(s.slot)) ctx.addIssue({ code: 'custom', message: `the ${e.page} page has no slot "${s.slot}" (slots: ${slots.join(', ')})`, path: [...at, 'slot'] });
        if (seen.has(s.placement)) ctx.addIssue({ code: 'custom', message: `${s.placement} is placed twice`, path: [...at, 'placement'] });
        seen.add(s.placement);
        const facts = placementFacts(s.placement);
        if (s.category && !facts.category) ctx.addIssue({ code: 'custom', message: `${s.placement} takes no category (only ${PLACEMENTS.filter((p) => placementFacts(p).category).join(', ')})`, path: [...at, 'category'] });
        if (s.ranking && !facts.rankingChoosable) ctx.addIssue({ code: 'custom', message: `"${facts.title}" (${s.placement}) always ranks ${RANKING_WORDS[facts.ranking]}`, path: [...at, 'ranking'] });
      });
    });
  });
export type Experiment = z.infer<typeof ExperimentSchema>;

/**
 * Experiments written before layouts were data: the two placement questions that were code become the
 * page-layout experiments they always were, same ids, salts and variants (so nobody changes arm).
 */
const LEGACY_LAYOUTS: Record<string, { page: Page; layouts: Record<string, ShelfSlot[]> }> = {
  'home-shelf-position': {
    page: 'home',
    layouts: {
      'below-hero': DEFAULT_LAYOUTS.home,
      'above-hero': [
        { placement: 'home-for-you', slot: 'above-hero' },
        { placement: 'home-buy-again', slot: 'below-hero' },
      ],
    },
  },
  'product-shelf-kind': {
    page: 'product',
    layouts: {
      similar: [
        { placement: 'product-bought-together', slot: 'below-product' },
        { placement: 'product-similar', slot: 'below-product', category: 'same' },
      ],
      'complete-the-set': [
        { placement: 'product-bought-together', slot: 'below-product' },
        { placement: 'product-similar', slot: 'below-product', category: 'other', title: 'Complete the set' },
      ],
    },
  },
};

export function migrateExperiment(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const e = raw as { kind?: unknown; variants?: unknown };
  const legacy = typeof e.kind === 'string' ? LEGACY_LAYOUTS[e.kind] : undefined;
  if (!legacy || !Array.isArray(e.variants)) return raw;
  return {
    ...e,
    kind: 'page-layout',
    page: legacy.page,
    variants: e.variants.map((v: unknown) => {
      const id = v && typeof v === 'object' ? (v as { id?: unknown }).id : undefined;
      const layout = typeof id === 'string' ? legacy.layouts[id] : undefined;
      return layout && v && typeof v === 'object' && !('layout' in v) ? { ...v, layout } : v;
    }),
  };
}

const RuleSchema = z.strictObject({
  /** Shown first, in this order, when the product exists in the active model. */
  pin: z.array(sku).max(12).default([]),
  /** Never shown on this placement. */
  block: z.array(sku).max(500).default([]),
});
export type MerchandisingRule = z.infer<typeof RuleSchema>;

/**
 * The question an experiment answers, or an assignment to one belongs to: a page's layout, else its kind (the model,
 * the ranking source). At most one experiment runs per question (the config's rule), and a preview replaces the
 * visitor's arm on the same question (lib/experiments/assign.ts).
 */
export const questionOf = (e: { kind: string; page?: string | undefined }): string => (e.kind === 'page-layout' ? `a page-layout of the ${e.page} page` : e.kind);

/** The readout ids of the standing holdbacks start so (lib/experiments/holdback.ts): no experiment may take one. */
export const HOLDBACK_PREFIX = 'hb-';

/** How a shelf's holdback may be pinned: 'model' serves the model to everyone (no holdback), 'baseline' the baseline to everyone. */
export const HOLDBACK_PINS = ['model', 'baseline'] as const;

/**
 * The standing holdback (lib/experiments/holdback.ts): on every model shelf a share of visitors sees the shelf's
 * baseline instead of the model's list, so the model is measured against it on live traffic, and a shelf whose
 * model is confidently behind serves the baseline (all but `keepOnModel`) until it catches up.
 */
export const HoldbackSchema = z
  .strictObject({
    /** Of each model shelf's visitors, the share shown its baseline (TANDEM_HOLDBACK_SHARE overrides it everywhere). */
    share: z.number().min(0).max(0.5).default(0.05),
    /** While a shelf has fallen back: the share still shown the model, so a recovery is seen. */
    keepOnModel: z.number().gt(0).max(0.5).default(0.1),
    /** Visitors each arm needs before a verdict can move a shelf either way. */
    minVisitors: z.number().int().min(10).max(1_000_000).default(200),
    /** Automatic fallback on (a shelf confidently behind serves its baseline). */
    autoFallback: z.boolean().default(true),
    /** A shelf pinned either way: no automatic change, no holdback. */
    pin: z.partialRecord(z.enum(PLACEMENTS), z.enum(HOLDBACK_PINS)).default({}),
  })
  .prefault({});
export type HoldbackConfig = z.infer<typeof HoldbackSchema>;

export const StoreConfigSchema = z
  .strictObject({
    /** null: the version public/models/current.json names. A 12-hex version pins the store to it. */
    modelVersion: modelVersion.nullable().default(null),
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
    holdback: HoldbackSchema,
    experiments: z.array(z.preprocess(migrateExperiment, ExperimentSchema)).max(50).default([]),
  })
  .superRefine((c, ctx) => {
    const ids = c.experiments.map((e) => e.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'experiment ids must be unique', path: ['experiments'] });
    c.experiments.forEach((e, i) => {
      if (e.id.startsWith(HOLDBACK_PREFIX)) ctx.addIssue({ code: 'custom', message: `ids starting "${HOLDBACK_PREFIX}" are the holdbacks' own`, path: ['experiments', i, 'id'] });
    });
    // Said at each clashing experiment's status, naming the other: the editor shows it at the field it changed.
    const running = c.experiments.flatMap((e, i) => (e.status === 'running' ? [{ e, i }] : []));
    for (const { e, i } of running) {
      const other = running.find((r) => r.i !== i && questionOf(r.e) === questionOf(e));
      if (other) ctx.addIssue({ code: 'custom', message: `at most one running experiment per question: two run ${questionOf(e)} ("${other.e.id}" and "${e.id}"): pause or stop one`, path: ['experiments', i, 'status'] });
    }
  });
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

/**
 * The model versions a config makes shoppers rank with: its pin and every variant of a model experiment not yet
 * ended (an ended one ranks nobody, so its versions may be pruned).
 */
export function modelVersionsNamed(config: StoreConfig): string[] {
  const named = config.experiments.filter((e) => e.kind === 'model' && e.status !== 'ended').flatMap((e) => e.variants.map((v) => v.model!));
  return [...new Set([...(config.modelVersion ? [config.modelVersion] : []), ...named])];
}

/**
 * Null when the store has every version the config names, else the refusal: a config naming a version the store
 * does not have would send its shoppers to a fallback on every shelf, so it is refused like any invalid edit.
 */
export function unknownModelVersion(config: StoreConfig, known: ReadonlySet<string>): string | null {
  const missing = modelVersionsNamed(config).filter((v) => !known.has(v));
  return missing.length === 0 ? null : `model version ${missing.join(', ')}: the store has no such version (it has ${[...known].sort().join(', ') || 'none'})`;
}

/** The schema's first complaint, as one line for the logs. */
export function describeConfigError(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}
