/**
 * The towers by cut, and what the later stages build on them once each: the second stage's 30-day window from a
 * cut (its customers, with their scores against that cut's tower) and the item signals at an instant. The
 * pipeline and a tower-backtest worker (models/fit-pool.ts) build them from the same fits and the same log with
 * this one function, so both get the same bits.
 */
import type { Product } from '../lib/catalog/types';
import type { FeatureSpec } from '../lib/recs/features';
import type { ItemSignals } from '../lib/recs/signals';
import { windowCustomers } from './compare';
import type { Purchaseish } from './data';
import { splitAt } from './evaluate';
import { SAMPLE_CAPS } from './sample';
import type { WindowUser } from './second-stage';
import { buildSignals } from './signals';
import { DAY } from './time';
import { windowUsers, type Fit } from './two-tower';

/** One training window of the second stage: customers with history before `cut` and purchases in the 30 days after. */
export interface Window {
  cut: number;
  users: WindowUser[];
  signals: ItemSignals;
  fit: Fit;
}

export interface Towers {
  at: (cut: number) => Fit;
  /** The second stage's 30-day window from `cut` with its month's tower (built once: tuning, validation and the backtest share them). */
  window: (cut: number) => Window;
  /** The item signals at `at` from every purchase before it (built once: a window and a backtest window starting together share them). */
  signalsAt: (at: number) => ItemSignals;
}

export interface TowerData {
  products: readonly Product[];
  purchases: readonly Purchaseish[];
  index: ReadonlyMap<string, number>;
  spec: FeatureSpec;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

export function towerViews(d: TowerData, fits: ReadonlyMap<number, Fit>): Towers {
  const at = (cut: number) => {
    const f = fits.get(cut);
    if (!f) throw new Error(`models: no tower cut at ${iso(cut)}`);
    return f;
  };
  const signals = new Map<number, ItemSignals>();
  const signalsAt = (t: number) => signals.get(t) ?? signals.set(t, buildSignals(d.products, splitAt(d.purchases, t).history, t, d.spec)).get(t)!;
  const windows = new Map<number, Window>();
  const window = (cut: number) => windows.get(cut) ?? windows.set(cut, trainWindow(d, at(cut), cut, signalsAt(cut))).get(cut)!;
  return { at, window, signalsAt };
}

/** A second-stage window starting at `cut`, with the tower trained only on what came before it. */
function trainWindow(d: TowerData, f: Fit, cut: number, signals: ItemSignals): Window {
  const { history, future } = splitAt(d.purchases, cut, cut + 30 * DAY);
  return { cut, users: windowUsers(f.model, windowCustomers(history, future, d.index, SAMPLE_CAPS.stage).users), signals, fit: f };
}
