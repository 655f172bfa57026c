/**
 * The server's side of model health: each shelf's state read from the events store (cached briefly, so a page
 * does not wait on it), the readouts evaluated and the shelves moved at most every TANDEM_HEALTH_EVERY_S seconds
 * (default 60), and the dashboard's and report.json's rows.
 */
import 'server-only';
import { serverArtifacts } from '../artifacts/disk';
import type { HoldbackConfig, StoreConfig } from '../config/schema';
import { getEventStore } from '../events/server-store';
import { holdbackId, holdbackShare, MODEL_PLACEMENTS, type HoldbackView, type ShelfState } from './holdback';
import { nextState, shelfHealth, type ShelfHealth } from './health';

const STATE_TTL_MS = 5_000;
const EVERY_MS = Math.max(1, Number(process.env.TANDEM_HEALTH_EVERY_S || 60)) * 1000;

let cached: { at: number; states: ShelfState[] } | undefined;
let evaluatedAt = 0;
let evaluating: Promise<ShelfHealth[]> | undefined;

/** The effective share: TANDEM_HOLDBACK_SHARE (test stores) over the config's. */
export const effectiveShare = (config: StoreConfig): number => holdbackShare(config.holdback, process.env.TANDEM_HOLDBACK_SHARE);

/** The holdback's settings, with TANDEM_HEALTH_MIN_VISITORS (test stores and replays: a verdict on fewer visitors) over the config's minimum. */
export function healthSettings(config: StoreConfig): HoldbackConfig {
  const min = process.env.TANDEM_HEALTH_MIN_VISITORS;
  if (!min) return config.holdback;
  if (!/^\d{1,7}$/.test(min) || Number(min) < 10) throw new Error(`TANDEM_HEALTH_MIN_VISITORS must be a whole number of visitors, 10 or more, not "${min}"`);
  return { ...config.holdback, minVisitors: Number(min) };
}

async function states(): Promise<ShelfState[]> {
  const now = Date.now();
  if (cached && now - cached.at < STATE_TTL_MS) return cached.states;
  const read = await getEventStore().health.states();
  cached = { at: now, states: read };
  return read;
}

/**
 * What a request assigns holdback arms from. Null when the store cannot say where the shelves stand (then every
 * visitor sees the model and nothing is labelled: a wrong epoch would mislabel the readout). Starts an evaluation
 * in the background when one is due.
 */
export async function holdbackView(config: StoreConfig): Promise<HoldbackView | null> {
  try {
    const read = await states();
    if (Date.now() - evaluatedAt >= EVERY_MS) void evaluateHealth(config).catch((e: unknown) => console.error('[tandem] model health: evaluation failed:', (e as Error).message));
    return { share: effectiveShare(config), config: config.holdback, states: new Map(read.map((s) => [s.placement, s])) };
  } catch (e) {
    console.error('[tandem] model health: states unreadable, no holdback this request:', (e as Error).message);
    return null;
  }
}

/** The version shoppers get: the config's pin, else public/models/current.json's. */
async function currentVersion(config: StoreConfig): Promise<string> {
  return config.modelVersion ?? (await serverArtifacts().pointer()).version;
}

/** Every shelf read, and moved where the rule says (nextState); one evaluation at a time per server. */
export function evaluateHealth(config: StoreConfig, now = Date.now()): Promise<ShelfHealth[]> {
  evaluating ??= (async () => {
    try {
      evaluatedAt = now;
      const store = getEventStore();
      const settings = healthSettings(config);
      const ctx = { version: await currentVersion(config), share: effectiveShare(config), config: settings, now };
      const current = new Map((await store.health.states()).map((s) => [s.placement, s]));
      const out: ShelfHealth[] = [];
      for (const placement of MODEL_PLACEMENTS) {
        let state = current.get(placement);
        const read = async (s: ShelfState) => shelfHealth(s, await store.experimentCounts(holdbackId(s.placement, s.epoch)), settings, now);
        const fresh = { placement, epoch: 0, mode: 'normal' as const, version: ctx.version, share: ctx.share, since: now, reason: '' };
        let health = await read(state ?? fresh);
        const next = nextState(placement, state, health, ctx);
        if (next && (await store.health.move(next))) {
          console.warn(`[tandem] model health: ${placement} epoch ${next.epoch}, ${next.mode}: ${next.reason}`);
          state = next;
          health = await read(next);
        }
        out.push(health);
      }
      cached = undefined;
      return out;
    } finally {
      evaluating = undefined;
    }
  })();
  return evaluating;
}

/** The dashboard's and report.json's readout: every shelf evaluated now, and the log of moves, newest first. */
export async function healthReadout(config: StoreConfig): Promise<{ shelves: ShelfHealth[]; log: ShelfState[]; share: number; now: number }> {
  const now = Date.now();
  const shelves = await evaluateHealth(config, now);
  return { shelves, log: await getEventStore().health.history(50), share: effectiveShare(config), now };
}
