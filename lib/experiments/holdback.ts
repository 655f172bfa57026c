/**
 * The standing holdback (issue 35): on every shelf a model ranks, a share of visitors sees the shelf's baseline
 * (the best sellers of the last 30 days, under the shelf's own rules: the baseline every backtest in the manifest
 * compares the shelf's model with) instead of the model's list, so each model is measured against its baseline
 * on live traffic, always. Pure: the server's sticky hash, the arms, the readout's weights, the verdict and the
 * automatic fallback's rule, for every runtime.
 *
 * Choices, written down (docs/experiments.md#the-standing-holdback):
 * - Assignment is a hash of the signed visitor id and the shelf (`holdback:<placement>`), independent of every
 *   experiment's salt: a visitor's arm on one shelf says nothing of their layout, model or other shelves.
 * - Each shelf's readout runs in epochs: a new model version, a new share, a fallback or its undoing starts the
 *   next one (`hb-<epoch>-<placement>`), so every readout compares two arms that were split at fixed weights
 *   for the same model, and its sample-ratio check still means something.
 * - Fallback: after `minVisitors` in each arm, a model whose click-through interval against the baseline lies
 *   wholly below zero is behind; the shelf then serves the baseline to all but `keepOnModel` of its visitors.
 *   It is undone once the model, in the fallback's own readout with the same minimum, is no longer behind and
 *   its click-through is at or above the baseline's, or when a new version ships, or by a pin in the config.
 * - Model experiments and layout tests run inside both arms: a holdback visitor's shelf keeps its layout (slot,
 *   title, size), only its list is the baseline's.
 */
import { PLACEMENTS, type Placement } from '../config/placements';
import { HOLDBACK_PREFIX, type HoldbackConfig } from '../config/schema';
import { bucket, type Assignment } from './assign';

export const HOLDBACK_ARMS = ['model', 'baseline'] as const;
export type HoldbackArm = (typeof HOLDBACK_ARMS)[number];

/** Every shelf a model ranks (the tower's or the basket complements'): today, all of them. */
export const MODEL_PLACEMENTS: readonly Placement[] = PLACEMENTS;

/** The baseline a holdback shelf shows: the manifest's name for the best sellers of the last 30 days. */
export const SHELF_BASELINE = 'popularity-30d' as const;

export type ShelfMode = 'normal' | 'fallback';

/** Where one shelf stands: its readout's epoch and what it serves (the events store keeps it; lib/experiments/health.ts moves it). */
export interface ShelfState {
  placement: Placement;
  epoch: number;
  mode: ShelfMode;
  /** The model version the epoch measures. */
  version: string;
  /** The holdback share the epoch split at. */
  share: number;
  since: number;
  reason: string;
}

/** What a request needs to assign every shelf's arm: the effective share, and each shelf's state (absent: epoch 0, normal). */
export interface HoldbackView {
  share: number;
  config: HoldbackConfig;
  states: ReadonlyMap<Placement, Pick<ShelfState, 'epoch' | 'mode'>>;
}

/** A shelf's readout id: an experiment id of its own, never one the config may take (the schema refuses the prefix). */
export const holdbackId = (placement: Placement, epoch: number): string => `${HOLDBACK_PREFIX}${epoch}-${placement}`;

/** The share from `TANDEM_HOLDBACK_SHARE` (test stores), else the config's. A bad value is an error, never a silent default. */
export function holdbackShare(config: HoldbackConfig, env: string | undefined): number {
  if (env === undefined || env === '') return config.share;
  const share = Number(env);
  if (!Number.isFinite(share) || share < 0 || share > 0.5) throw new Error(`TANDEM_HOLDBACK_SHARE must be a share between 0 and 0.5, not "${env}"`);
  return share;
}

/** The arms' weights in an epoch: the share held back while normal; `keepOnModel` kept on the model while fallen back. */
export function armWeights(mode: ShelfMode, share: number, keepOnModel: number): Record<HoldbackArm, number> {
  return mode === 'normal' ? { model: 1 - share, baseline: share } : { model: keepOnModel, baseline: 1 - keepOnModel };
}

export interface HoldbackAssignment {
  placement: Placement;
  arm: HoldbackArm;
  /** The readout it counts in; null for a shelf pinned to the baseline (everyone sees it: nothing to compare). */
  experiment: string | null;
}

/**
 * A visitor's arm on one shelf, or null where every visitor sees the model (a shelf pinned to the model, a share
 * of 0, or no signed visitor yet). One point of the hash: the baseline takes the bottom of [0, 1) while normal,
 * the model keeps the top while fallen back, so a fallback moves only the middle's visitors.
 */
export function holdbackArm(placement: Placement, visitorId: string | undefined, view: HoldbackView): HoldbackAssignment | null {
  const pin = view.config.pin[placement];
  if (pin === 'model') return null;
  if (pin === 'baseline') return { placement, arm: 'baseline', experiment: null };
  if (!visitorId) return null;
  const state = view.states.get(placement) ?? { epoch: 0, mode: 'normal' as const };
  if (state.mode === 'normal' && view.share <= 0) return null;
  const b = bucket(visitorId, `holdback:${placement}`);
  const w = armWeights(state.mode, view.share, view.config.keepOnModel);
  const arm: HoldbackArm = state.mode === 'normal' ? (b < w.baseline ? 'baseline' : 'model') : b >= 1 - w.model ? 'model' : 'baseline';
  return { placement, arm, experiment: holdbackId(placement, state.epoch) };
}

/** Every model shelf's arm for a visitor, as assignments (lib/experiments/assign.ts) the plan and the labeller read. */
export function holdbackAssignments(visitorId: string | undefined, view: HoldbackView | null): Assignment[] {
  if (!view) return [];
  return MODEL_PLACEMENTS.flatMap((p) => {
    const a = holdbackArm(p, visitorId, view);
    return a ? [{ experiment: a.experiment ?? '', kind: 'holdback' as const, placement: p, variant: a.arm }] : [];
  });
}
