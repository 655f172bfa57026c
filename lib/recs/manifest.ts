/** manifest.json: the only description of a model version. Consumers read names, shapes and terms from it. */
import { z } from 'zod';
import { FeatureSpecSchema } from './features';
import { ComplementSpecSchema } from './complements';
import { ScorerSchema } from './score';
import { PartsSchema } from './parts';

const FileEntry = z.object({
  path: z.string().regex(/^[\w.-]+$/, 'a file name inside the version folder'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileEntry = z.infer<typeof FileEntry>;

const Tensor = z.object({
  name: z.string().min(1),
  /** 'batch' and 'n' (the catalogue's size: the scorer graph's tables) are dimensions the caller chooses. */
  shape: z.array(z.union([z.number().int().positive(), z.literal('batch'), z.literal('n')])),
  dtype: z.literal('float32'),
});

/** `se`: the standard error of ndcg@10's mean over the customers (versions before it have none). */
const MeasureRow = z.object({ 'ndcg@10': z.number(), 'recall@10': z.number(), users: z.number().int(), se: z.number().optional() });
/** One model's row of the evaluation: all targets, and explore and repeat beside them (models/evaluate.ts). */
const MetricsRow = z.object({ 'recall@10': z.number(), 'ndcg@10': z.number(), 'hitrate@10': z.number(), se: z.number().optional(), explore: MeasureRow, repeat: MeasureRow });
/** `of`: the customers before sampling, where a big shop's window was measured on a sample (models/sample.ts). */
export const EvalResultSchema = z.object({ users: z.number().int(), of: z.number().int().optional(), models: z.record(z.string(), MetricsRow) });
export const BasketMetricsSchema = z.object({ 'ndcg@10': z.number(), 'hitrate@10': z.number(), baskets: z.number().int() });


/** A measure over backtest windows: each window's value, the mean, its standard error across windows, the worst. */
const SpreadSchema = z.object({ windows: z.array(z.number()), mean: z.number(), se: z.number(), worst: z.number() });

/**
 * The scorer graph's inputs and outputs, in order (models/export/scorer-onnx.ts builds the graph, manifest.scorerGraph
 * and manifest.coreml describe them): every runtime that runs the graph feeds and reads exactly these.
 */
export const SCORER_INPUTS = ['history_ids', 'history_weights', 'history_counts', 'history_ages'] as const;
export const SCORER_OUTPUTS = ['explore_scores', 'repeat_scores', 'all_scores'] as const;
/**
 * The catalogue's tables the scorer graph reads as inputs beside the history (issue 33: a graph that does not grow
 * with the catalogue; lib/recs/graph-tables.ts builds them from a version's files, or a device's local catalogue):
 * [n, dim] rows, [n] signal vectors, [n] category, [n, m] co-purchase neighbours (−1 none) and their weights,
 * [n, T] name-word buckets (padded with features.tokenBuckets) and their mask, and [n] community where the
 * catalogue has communities. Versions from before it read only the history (their items inside the graph).
 */
export const SCORER_TABLES = ['item_rows', 'item_pop30', 'item_pop7', 'item_trend', 'item_fresh', 'item_repeat_rate', 'item_interval', 'item_log_price', 'item_category', 'item_neighbours', 'item_neighbour_weights', 'item_tokens', 'item_token_mask', 'item_community'] as const;
export type ScorerTable = (typeof SCORER_TABLES)[number];

export const ManifestSchema = z.object({
  formatVersion: z.literal(1),
  version: z.string().regex(/^[0-9a-f]{12}$/),
  createdAt: z.string(),
  catalogVersion: z.string(),
  /** ISO time the prior and history weights were computed for (the end of the training data). */
  trainedUntil: z.string(),
  dim: z.number().int().positive(),
  itemCount: z.number().int().positive(),
  features: FeatureSpecSchema,
  scorer: ScorerSchema,
  /** The complement model's settings and the layout of complements.bin. */
  complements: ComplementSpecSchema,
  /** How signals.bin is laid out (lib/recs/signals.ts). */
  /** `communities`: how many parts of the catalogue no customer crosses the file tags (absent: none). */
  signals: z.object({ neighboursPerItem: z.number().int().positive(), tokenCount: z.number().int().nonnegative(), categories: z.number().int().positive(), communities: z.number().int().positive().optional() }),
  embeddings: z.object({
    /** Which item embeddings the scorer uses. */
    use: z.enum(['float32', 'int8']),
    layout: z.literal('row-major [itemCount, dim], little-endian'),
    int8Scale: z.literal('per-row: value = int8 × scale[row]'),
  }),
  userTower: z.object({
    format: z.literal('onnx'),
    opset: z.number().int(),
    inputs: z.array(Tensor),
    outputs: z.array(Tensor),
  }),
  /** The whole scorer for the iOS app: the scorer graph's own inputs and outputs (models/export/coreml.ts). */
  coreml: z.object({
    format: z.literal('mlmodel'),
    specificationVersion: z.number().int(),
    /** Xcode names the generated class after the file: TwoTower.mlmodel → TwoTower. */
    className: z.literal('TwoTower'),
    inputs: z.array(Tensor),
    outputs: z.array(Tensor),
  }),
  /**
   * The whole scorer as one ONNX graph (models/export/scorer-onnx.ts): the history's four slot arrays in, every
   * product's explore, repeat and all scores out. Versions from before it have none.
   */
  scorerGraph: z
    .object({
      format: z.literal('onnx'),
      opset: z.number().int(),
      inputs: z.array(Tensor),
      outputs: z.array(Tensor),
    })
    .optional(),
  files: z.object({
    userTower: FileEntry,
    /** The whole scorer's graph (scorerGraph). */
    scorer: FileEntry.optional(),
    coreml: FileEntry,
    itemsFloat32: FileEntry,
    itemsInt8: FileEntry,
    itemsInt8Scales: FileEntry,
    /** The explore ranking of an empty history, [0, 1]: the cold-start base. */
    prior: FileEntry,
    /** Item signals for the second stage (lib/recs/signals.ts). */
    signals: FileEntry,
    /** The user tower's layer, float32 W [dim, dim] then b [dim]: the edge runs the tower in TypeScript. */
    towerWeights: FileEntry,
    itemIds: FileEntry,
    /** Name, price and category per item, in the model's order (lib/recs/item-meta.ts). */
    itemMeta: FileEntry,
    /** Basket complements: the best neighbours per item (lib/recs/complements.ts). */
    complements: FileEntry,
    golden: FileEntry,
    /** Cold-start context (lib/coldstart/context.ts): country and daypart lifts, and their weight. */
    coldStart: FileEntry,
    /** A big catalogue's parts for the device: 8 bytes of each part's sha256 (lib/recs/parts.ts). */
    parts: FileEntry.optional(),
  }),
  /** A catalogue of PARTS_FROM_ITEMS products or more also ships in parts (lib/recs/parts.ts); absent below. */
  parts: PartsSchema.optional(),
  metrics: z.object({
    validation: EvalResultSchema,
    /** The int8 rows on validation beside float32, and whether they ship (only with no loss on any measure). */
    int8: z.object({
      'ndcg@10': z.number(),
      'top10-overlap': z.number(),
      'explore-ndcg@10': z.number(),
      'repeat-ndcg@10': z.number(),
      float32: z.object({ 'ndcg@10': z.number(), 'explore-ndcg@10': z.number(), 'repeat-ndcg@10': z.number() }),
      shipped: z.boolean(),
    }),
    /** The baselines' own settings, tuned on the tuning split. */
    baselines: z.object({
      tifu: z.object({ groupSize: z.number(), withinDecay: z.number(), groupDecay: z.number(), neighbours: z.number(), alpha: z.number() }),
      decayHalfLifeDays: z.number(),
    }),
    /** Removing one feature at a time (retrained, same windows), on validation; present when `npm run models -- --ablation` ran. */
    ablation: z.record(z.string(), MetricsRow).optional(),
    /** Cold start (no history), every validation order: popularity alone vs with country and daypart. */
    coldStart: z.object({ weights: z.object({ country: z.number(), daypart: z.number() }), popularity: z.object({ 'ndcg@10': z.number() }), context: z.object({ 'ndcg@10': z.number() }) }),
    /** Leave-one-out inside the validation month's baskets: the complement model and the basket baselines. */
    basket: z.record(z.string(), BasketMetricsSchema),
    /** Versions before the backtests: the complement settings tried on the tuning month. */
    complementTuning: z.array(z.object({ spec: ComplementSpecSchema.omit({ neighboursPerItem: true }), metrics: BasketMetricsSchema })).optional(),
    /** The basket shelf's rolling backtest (models/backtest.ts): settings chosen on the older fortnights, NDCG@10 on the newest with the spread, what ships. */
    basketBacktest: z
      .object({
        windows: z.array(z.object({ start: z.string(), role: z.enum(['tuning', 'reported']), baskets: z.number().int() })),
        chosen: ComplementSpecSchema.omit({ neighboursPerItem: true }).partial({ evidence: true, popularityWeight: true }),
        tuningMean: z.number(),
        reported: z.record(z.string(), SpreadSchema),
        ships: z.enum(['complement', 'popularity-30d', 'same-category']),
      })
      .optional(),
    /**
     * The tower shelves' rolling backtest (models/tower-backtest.ts): per model and measure (all, explore,
     * repeat), NDCG@10 in each reported and tuning window with the mean ± s.e. and the worst; the verdicts
     * against the issue's bars.
     */
    towerBacktest: z
      .object({
        windows: z.array(z.object({ start: z.string(), role: z.enum(['tuning', 'reported']), month: z.number().int(), users: z.record(z.string(), z.number().int()) })),
        reported: z.record(z.string(), z.record(z.string(), SpreadSchema)),
        tuning: z.record(z.string(), z.record(z.string(), SpreadSchema)),
        verdicts: z.array(z.object({ measure: z.string(), baseline: z.string(), ratio: z.number(), bar: z.number(), losingWindows: z.number().int(), loses: z.boolean() })),
      })
      .optional(),
  }),
  training: z.record(z.string(), z.unknown()),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * How many model versions are in use at once, defined once: the one shoppers get and the one before it (a model
 * experiment's two arms, or a rollback, switch between them without a download). A device keeps this many
 * versions' files (lib/device/version-cache.ts); the cold-start server keeps them loaded and the current one
 * beside (lib/coldstart/data.ts); `npm run prune` keeps the newest this many besides the current and configured
 * ones (models/prune.ts).
 */
export const VERSIONS_KEPT = 2;

/** public/models/current.json: which version is active. */
export const PointerSchema = z.object({
  version: z.string().regex(/^[0-9a-f]{12}$/),
  manifest: z.string(),
  /** Hash of everything the artifacts were made from; a different one means `npm run models` is due. */
  inputsHash: z.string(),
});
export type Pointer = z.infer<typeof PointerSchema>;
