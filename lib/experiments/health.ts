/**
 * Model health: each model shelf's standing holdback read like an experiment (the same always-valid intervals, caps
 * and sample-ratio check, lib/experiments/report.ts), its verdict, and the rule that moves a shelf into the
 * automatic fallback and out of it (lib/experiments/holdback.ts says why these choices). Pure: the server reads
 * the store and writes the moves (health-server.ts); tests and the replay drive this directly.
 */
import { placementFacts, type Placement } from '../config/placements';
import type { HoldbackConfig } from '../config/schema';
import type { ExperimentCounts } from '../events/store';
import { armWeights, holdbackId, HOLDBACK_ARMS, SHELF_BASELINE, type HoldbackArm, type ShelfState } from './holdback';
import { armTotals, buildReport, estimate, ZERO_SUMS, type Bounds, type ExperimentReport, type ReadoutSubject } from './report';
import { differenceEstimate, sequentialInterval } from './stats';

export const VERDICTS = ['model-ahead', 'no-difference', 'model-behind'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The metrics a shelf's health is read on: its click-through decides; the others are shown beside it. */
export const HEALTH_METRICS = ['ctr', 'addToCart', 'conversion', 'recRevenuePerVisitor'] as const;

/** A shelf's readout as the experiments' readout reads it: control is the baseline, the model the variant. */
export function holdbackSubject(state: Pick<ShelfState, 'placement' | 'epoch' | 'mode' | 'share'>, config: Pick<HoldbackConfig, 'keepOnModel'>): ReadoutSubject {
  const w = armWeights(state.mode, state.share, config.keepOnModel);
  return {
    id: holdbackId(state.placement, state.epoch),
    salt: `holdback:${state.placement}`,
    kind: 'holdback',
    question: `Does "${placementFacts(state.placement).title}" beat the best sellers of the last 30 days?`,
    status: 'running',
    control: 'baseline',
    variants: HOLDBACK_ARMS.map((arm) => ({ id: arm, weight: w[arm] })),
    primaryMetric: 'ctr',
    minimumEffect: 0.05,
    traffic: 1,
  };
}

export interface ShelfVerdict {
  verdict: Verdict;
  /** Both arms have the minimum sample and the split is sound: the verdict may move the shelf. */
  decided: boolean;
  /**
   * The model's click-through minus the baseline's (percentage points as a share), with its always-valid interval:
   * what the verdict reads (null: an arm has no visitors yet).
   */
  difference: Bounds | null;
  rule: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The verdict on click-through, the shelf's own measure: behind when the always-valid interval of the model's
 * click-through minus the baseline's lies wholly below zero, ahead when wholly above. The difference, not the
 * relative lift: a lift's interval collapses to a point when an arm has no click yet, which would call a verdict
 * on nothing.
 */
export function verdictOf(report: ExperimentReport<ReadoutSubject>, difference: Bounds | null, minVisitors: number): ShelfVerdict {
  const visitors = (['model', 'baseline'] as const).map((arm) => report.variants.find((v) => v.variant === arm)?.visitors ?? 0);
  if (report.srm.mismatch) return { verdict: 'no-difference', decided: false, difference, rule: `The split between model and baseline is off (sample-ratio p = ${report.srm.pValue.toExponential(1)}): nothing is decided.` };
  const decided = visitors.every((n) => n >= minVisitors);
  const verdict: Verdict = !difference ? 'no-difference' : difference.high < 0 ? 'model-behind' : difference.low > 0 ? 'model-ahead' : 'no-difference';
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(2)}`;
  const interval = difference ? `the model's click-through is ${points(difference.value)} points against the baseline's (${points(difference.low)} to ${points(difference.high)})` : 'no visitors in an arm yet';
  if (!decided) return { verdict, decided, difference, rule: `Collecting: ${visitors[0]} model and ${visitors[1]} baseline visitors of the ${minVisitors} each arm needs; ${interval}.` };
  const words: Record<Verdict, string> = { 'model-behind': 'Model behind', 'model-ahead': 'Model ahead', 'no-difference': 'No difference yet' };
  return { verdict, decided, difference, rule: `${words[verdict]}: ${interval}.` };
}

/** Where the store and the config say a shelf should be now. */
export interface MoveContext {
  /** The model version shoppers get. */
  version: string;
  /** The effective holdback share. */
  share: number;
  config: HoldbackConfig;
  now: number;
}

/**
 * The shelf's next epoch, or null to stay: a first readout, a new version or share (normal, afresh), a model
 * confidently behind after the minimum sample (fallback), or a fallen-back model that is no longer behind and at or
 * above the baseline's click-through in its own readout (normal). A pinned shelf never moves.
 */
export function nextState(placement: Placement, current: ShelfState | undefined, health: ShelfVerdict & { modelAtLeastBaseline: boolean }, ctx: MoveContext): ShelfState | null {
  const next = (mode: ShelfState['mode'], reason: string): ShelfState => ({ placement, epoch: current ? current.epoch + 1 : 0, mode, version: ctx.version, share: ctx.share, since: ctx.now, reason });
  if (ctx.config.pin[placement]) return null;
  if (!current) return next('normal', `first readout: ${pct(ctx.share)} of visitors see the ${SHELF_BASELINE} baseline`);
  if (current.version !== ctx.version) return next('normal', `model ${ctx.version} shipped (the readout of ${current.version} ends)`);
  if (current.mode === 'normal' && current.share !== ctx.share) return next('normal', `holdback share changed from ${pct(current.share)} to ${pct(ctx.share)}`);
  if (current.mode === 'fallback' && !ctx.config.autoFallback) return next('normal', 'automatic fallback switched off in the config');
  if (!health.decided) return null;
  if (current.mode === 'normal' && ctx.config.autoFallback && health.verdict === 'model-behind') return next('fallback', `fell back: ${health.rule}`);
  if (current.mode === 'fallback' && health.verdict !== 'model-behind' && health.modelAtLeastBaseline) return next('normal', `model caught up: ${health.rule}`);
  return null;
}

/** One shelf's health: its state, readout and verdict. */
export interface ShelfHealth extends ShelfVerdict {
  placement: Placement;
  title: string;
  state: ShelfState;
  pinned: HoldbackArm | null;
  /** Serving the baseline to all but the share kept on the model (automatic, or pinned to the baseline). */
  fallback: boolean;
  report: ExperimentReport<ReadoutSubject>;
}

/** A shelf's health from its state and its epoch's counts. */
export function shelfHealth(state: ShelfState, counts: ExperimentCounts, config: HoldbackConfig, now: number): ShelfHealth & { modelAtLeastBaseline: boolean } {
  const report = buildReport(holdbackSubject(state, config), counts, now);
  const sums = new Map(armTotals(counts.byDay).map((a) => [a.variant, a]));
  const ctrOf = (arm: HoldbackArm) => estimate('ctr', sums.get(arm) ?? ZERO_SUMS);
  const diff = differenceEstimate(ctrOf('model'), ctrOf('baseline'));
  const v = verdictOf(report, diff ? { value: diff.value, ...sequentialInterval(diff) } : null, config.minVisitors);
  const ctr = (arm: HoldbackArm) => ctrOf(arm).value;
  const pinned = config.pin[state.placement] ?? null;
  return {
    ...v,
    placement: state.placement,
    title: placementFacts(state.placement).title,
    state,
    pinned,
    fallback: pinned ? pinned === 'baseline' : state.mode === 'fallback',
    report,
    modelAtLeastBaseline: ctr('model') >= ctr('baseline'),
  };
}

/** report.json: one row per shelf, in a shape tools can read (issue 35). */
export function healthJson(shelves: ShelfHealth[], log: ShelfState[], share: number, now: number) {
  return {
    generatedAt: new Date(now).toISOString(),
    share,
    shelves: shelves.map((h) => ({
      placement: h.placement,
      title: h.title,
      baseline: SHELF_BASELINE,
      verdict: h.verdict,
      decided: h.decided,
      /** Model minus baseline click-through, with its always-valid 95% interval: what the verdict reads. */
      ctrDifference: h.difference,
      rule: h.rule,
      fallback: h.fallback,
      pinned: h.pinned,
      epoch: h.state.epoch,
      mode: h.state.mode,
      since: new Date(h.state.since).toISOString(),
      reason: h.state.reason,
      modelVersion: h.state.version,
      sampleRatio: { pValue: h.report.srm.pValue, mismatch: h.report.srm.mismatch },
      arms: h.report.variants.map((v) => ({
        arm: v.variant as HoldbackArm,
        weight: v.weight,
        visitors: v.visitors,
        exposures: v.exposures,
        clicks: v.clicks,
        ...(Object.fromEntries(HEALTH_METRICS.map((m) => [m, { ...pick(v.metrics[m]), lift: v.metrics[m].lift ? pick(v.metrics[m].lift) : null }])) as Record<(typeof HEALTH_METRICS)[number], Bounds & { lift: Bounds | null }>),
      })),
      capped: h.report.capped,
    })),
    log: log.map((s) => ({ placement: s.placement, epoch: s.epoch, mode: s.mode, modelVersion: s.version, share: s.share, at: new Date(s.since).toISOString(), reason: s.reason })),
  };
}
export type HealthJson = ReturnType<typeof healthJson>;

const pick = (b: Bounds) => ({ value: b.value, low: b.low, high: b.high });
