/**
 * A shelf is planned once: placement + configuration + the visitor's variants → which ranking, which
 * rules, which title and size, and whether the device and the edge may rank it. The server render
 * (components/recs/RecsShelf.tsx), the cold-start answer (lib/coldstart/serve.ts) and, through the rules it
 * hands the page, the worker all read the same plan. Pure: the config and the assignments come in.
 */
import { placementFacts, PLACEMENT_PAGE } from '../config/placements';
import { DEFAULT_LAYOUTS, type Page, type Placement, type ShelfSlot, type StoreConfig } from '../config/schema';
import { assignmentsFor, variantOf, type Assignment } from '../experiments/assign';
import { SHELF_BASELINE, type HoldbackArm } from '../experiments/holdback';
import { RECENT_VIEW_WINDOW_MS, type ShelfRules } from '../recs/shelf-rules';

/** Items on a shelf. */
export const SHELF_SIZE = 12;

export interface ShelfPlan {
  placement: Placement;
  title: string;
  rules: ShelfRules;
  /** Its list needs the purchase history, which only the device has: no edge ranking, no static list. */
  deviceOnly: boolean;
  /** False when the kill switch or the visitor's variant says cold-start only. */
  deviceRanking: boolean;
  /** False when the kill switch turns the cold-start ranker off (the static list then). */
  edgeRanking: boolean;
  /** The version this visitor's shelves rank with: their model experiment's arm, else the config's pin, else null (public/models/current.json's). */
  modelPin: string | null;
  /** The visitor's variants that change this shelf (its own question, and the ranking source). */
  experiments: Assignment[];
  /** The experiment an edge answer names: the placement's own question first, else the model, else the ranking source. */
  reported: { id: string; variant: string } | null;
  /** The shelf's standing holdback arm (lib/experiments/holdback.ts): 'baseline' shows the baseline's list. Null: the model, counted nowhere. */
  holdback: { id: string; arm: HoldbackArm } | null;
}

/**
 * A page's shelves for this visitor: their variant's layout when a page-layout experiment runs for the page,
 * else the default. Data from the config (marketing edits it), never code.
 */
export function pageLayout(page: Page, config: StoreConfig, assignments: Assignment[]): ShelfSlot[] {
  const a = assignments.find((x) => x.kind === 'page-layout' && x.page === page);
  const experiment = a && config.experiments.find((e) => e.id === a.experiment);
  return experiment?.variants.find((v) => v.id === a!.variant)?.layout ?? DEFAULT_LAYOUTS[page];
}

/** The version a visitor's model-experiment arm names, if one runs for them. */
function armModel(config: StoreConfig, assignments: Assignment[]): string | undefined {
  const a = assignments.find((x) => x.kind === 'model');
  return a && config.experiments.find((e) => e.id === a.experiment)?.variants.find((v) => v.id === a.variant)?.model;
}

export function planShelf(placement: Placement, config: StoreConfig, assignments: Assignment[], opts: { anchorSku?: string; k?: number } = {}): ShelfPlan {
  const mine = assignmentsFor(placement, assignments);
  // How this visitor's layout places the shelf (title, size, ranking, category); a shelf the layout leaves out
  // is still planned with its defaults, for a request that names it anyway.
  const slot = pageLayout(PLACEMENT_PAGE[placement], config, assignments).find((s) => s.placement === placement);
  const facts = placementFacts(placement);
  const ranking = slot?.ranking ?? facts.ranking;
  const category = facts.category ? (slot?.category ?? facts.category.default) : undefined;
  const rule = config.merchandising[placement];
  const experiments = mine.filter((a) => a.kind !== 'holdback');
  const own = experiments.find((a) => a.kind === 'page-layout') ?? experiments.find((a) => a.kind === 'model') ?? experiments[0];
  const held = mine.find((a) => a.kind === 'holdback');
  const arm = held?.variant === 'baseline' ? 'baseline' : 'model';
  return {
    placement,
    title: slot?.title ?? (category === 'other' && facts.category ? facts.category.otherTitle : facts.title),
    rules: {
      ranking,
      k: opts.k ?? slot?.size ?? SHELF_SIZE,
      ...(opts.anchorSku ? { anchorSku: opts.anchorSku } : {}),
      ...(category ? { category } : {}),
      pin: rule?.pin ?? [],
      block: rule?.block ?? [],
      excludePurchased: facts.excludePurchased,
      // No explore shelf echoes the last views; "Buy it again" is about orders, not views.
      ...(ranking === 'explore' ? { excludeViewedWithinMs: RECENT_VIEW_WINDOW_MS } : {}),
      ...(arm === 'baseline' ? { baseline: SHELF_BASELINE } : {}),
    },
    deviceOnly: facts.deviceOnly,
    deviceRanking: config.switches.onDeviceRanking && variantOf(mine, 'ranking-source', 'device') !== 'edge-only',
    edgeRanking: config.switches.edgeRanking,
    modelPin: armModel(config, mine) ?? config.modelVersion,
    experiments,
    reported: own ? { id: own.experiment, variant: own.variant } : null,
    holdback: held ? { id: held.experiment, arm } : null,
  };
}

/** A page's shelves for this visitor, planned, in layout order with their slots: what the page renders (and /api/shelves answers). */
export function planPage(page: Page, config: StoreConfig, assignments: Assignment[], anchorSku?: string): (ShelfPlan & { slot: ShelfSlot['slot'] })[] {
  return pageLayout(page, config, assignments).map((s) => ({ ...planShelf(s.placement, config, assignments, anchorSku ? { anchorSku } : {}), slot: s.slot }));
}
