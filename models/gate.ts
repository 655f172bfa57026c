/**
 * The promotion gate (issue 26): a candidate version may replace the current one only if it is not worse on any
 * backtest measure. The measures are the ones each version's manifest already carries from its own rolling-origin
 * backtests: the tower shelves' NDCG@10 on all targets, new products (explore) and re-buys (repeat), and the basket
 * shelf's, each as a mean over the reported windows with its standard error.
 *
 * "Worse" is below by more than one standard error of the difference, √(se_current² + se_candidate²): the two
 * means come from separate backtests (a candidate trained with `--until` is measured on earlier windows), so the
 * difference carries both errors. A measure one version lacks (a version from before the backtests) is reported,
 * and fails the gate: a candidate is never promoted on evidence it does not have.
 *
 * And a candidate trained on data that ends before the current version's is refused as older, whatever its
 * backtests say: a backtest measures the recipe at earlier cuts, not the artifact, so it cannot see what a model
 * misses by not having the latest month (measured on this log: a candidate `--until 2011-10-24` is not worse on any
 * of the four measures, on its own earlier windows). Going back to an older model is a deliberate act: `--force`.
 *
 * And a candidate trained on another purchase log (another sha256, `training.datasetSha256`; for versions from
 * before it, another catalogue size) is not comparable at all: its backtests measure another shop (a log copied
 * three times makes every popularity baseline, and the explore measure with them, look worse). The gate says so
 * instead of calling it worse, and refuses it unless forced.
 */
import type { Manifest } from '../lib/recs/manifest';

export const GATE_MEASURES = ['all', 'explore', 'repeat', 'basket'] as const;
export type GateMeasure = (typeof GATE_MEASURES)[number];

interface Spread {
  mean: number;
  se: number;
  windows: number[];
}

export interface GateRow {
  measure: GateMeasure;
  current: Spread | null;
  candidate: Spread | null;
  /** The standard error of the difference: how far below the current mean the candidate may fall. */
  margin: number;
  /** candidate − current. */
  delta: number;
  worse: boolean;
  why?: string;
}

export interface GateResult {
  pass: boolean;
  rows: GateRow[];
  /** Set when the candidate's data ends before the current version's. */
  older?: { current: string; candidate: string };
  /** Set when the two were trained on different purchase logs: what tells them apart. */
  otherData?: { current: string; candidate: string };
}

type Metrics = Manifest['metrics'];
type Version = Pick<Manifest, 'metrics' | 'trainedUntil'> & Partial<Pick<Manifest, 'training' | 'itemCount'>>;

/** What the two versions were trained on, where it differs: the log's sha256 when both name it, else the catalogue's size. */
export function otherData(current: Version, candidate: Version): GateResult['otherData'] {
  const sha = (v: Version) => (typeof v.training?.datasetSha256 === 'string' ? v.training.datasetSha256 : undefined);
  const [a, b] = [sha(current), sha(candidate)];
  if (a && b) return a === b ? undefined : { current: `log sha256 ${a.slice(0, 12)}`, candidate: `log sha256 ${b.slice(0, 12)}` };
  if (current.itemCount !== undefined && candidate.itemCount !== undefined && current.itemCount !== candidate.itemCount)
    return { current: `${current.itemCount.toLocaleString('en-GB')} products`, candidate: `${candidate.itemCount.toLocaleString('en-GB')} products` };
  return undefined;
}

/** The spread a version reports for one measure: the trained tower model's, and for baskets the model that ships. */
export function measureOf(m: Metrics, measure: GateMeasure): Spread | null {
  if (measure === 'basket') {
    const b = m.basketBacktest;
    return b?.reported[b.ships] ?? null;
  }
  return m.towerBacktest?.reported['two-tower']?.[measure] ?? null;
}

export function gate(currentVersion: Version, candidateVersion: Version): GateResult {
  const [current, candidate] = [currentVersion.metrics, candidateVersion.metrics];
  const rows = GATE_MEASURES.map((measure): GateRow => {
    const cur = measureOf(current, measure);
    const cand = measureOf(candidate, measure);
    if (!cur || !cand) return { measure, current: cur, candidate: cand, margin: NaN, delta: NaN, worse: true, why: `no ${measure} backtest in the ${cand ? 'current' : 'candidate'} version` };
    const margin = Math.hypot(cur.se, cand.se);
    const delta = cand.mean - cur.mean;
    return { measure, current: cur, candidate: cand, margin, delta, worse: delta < -margin };
  });
  const older = Date.parse(candidateVersion.trainedUntil) < Date.parse(currentVersion.trainedUntil) ? { current: currentVersion.trainedUntil.slice(0, 10), candidate: candidateVersion.trainedUntil.slice(0, 10) } : undefined;
  const other = otherData(currentVersion, candidateVersion);
  if (other) {
    // Not worse, not better: the measures are of another shop, so no row is judged.
    const unjudged = rows.map((r) => ({ ...r, worse: false, why: 'another data set' }));
    return { pass: false, rows: unjudged, otherData: other, ...(older ? { older } : {}) };
  }
  return { pass: !older && rows.every((r) => !r.worse), rows, ...(older ? { older } : {}) };
}

/** Both versions side by side, one line a measure, for the terminal. */
export function gateTable(result: GateResult, names: { current: string; candidate: string }): string {
  const f = (s: Spread | null) => (s ? `${s.mean.toFixed(4)} ± ${s.se.toFixed(4)}` : '—'.padEnd(15));
  const lines = [`measure   ${`current ${names.current}`.padEnd(24)} ${`candidate ${names.candidate}`.padEnd(26)} difference  allowed   verdict`];
  for (const r of result.rows) {
    const diff = Number.isNaN(r.delta) ? '—'.padStart(10) : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(4)}`.padStart(10);
    const allowed = Number.isNaN(r.margin) ? '—'.padStart(8) : `-${r.margin.toFixed(4)}`.padStart(8);
    const verdict = result.otherData ? 'not comparable' : r.worse ? `WORSE${r.why ? ` (${r.why})` : ''}` : 'ok';
    lines.push(`${r.measure.padEnd(9)} ${f(r.current).padEnd(24)} ${f(r.candidate).padEnd(26)} ${diff}  ${allowed}   ${verdict}`);
  }
  if (result.otherData) lines.push(`data      ${result.otherData.current.padEnd(24)} ${result.otherData.candidate.padEnd(26)}                        NOT COMPARABLE (trained on another purchase log: its backtests measure another shop)`);
  if (result.older) lines.push(`data      trained until ${result.older.current.padEnd(10)} trained until ${result.older.candidate.padEnd(12)}                        OLDER (the candidate's data ends first)`);
  return lines.join('\n');
}
