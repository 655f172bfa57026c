/**
 * One cold-start answer, the same for GET /api/rank and for a shelf the server renders on a first
 * visit: the config's switches, pinned model version, merchandising rule and the visitor's variants
 * applied around the pure ranker. Web APIs only.
 */
import type { StoreConfig } from '../config/schema';
import type { Assignment } from '../experiments/assign';
import { planShelf } from '../shelf/plan';
import { hourIn } from './context';
import { coldStartData, type ArtifactSource } from './data';
import type { Ranked, RankAnswer } from './answer';
import { coldStartRank, type ColdStartData, type ColdStartQuery } from './rank';


export interface Geo {
  country?: string;
  timeZone?: string;
}

export type ServeResult = { ok: true; shelf: RankAnswer; ms: number; /** The request's country changed the ranking. */ byCountry: boolean } | { ok: false; status: 400 | 503; error: string };

/** Country and time zone from the platform's geo headers (Vercel's names), when present and well-formed. */
export function geoFromHeaders(headers: Headers): Geo {
  const country = headers.get('x-vercel-ip-country')?.toUpperCase();
  const timeZone = headers.get('x-vercel-ip-timezone') ?? undefined;
  return {
    ...(country && /^[A-Z]{2}$/.test(country) ? { country } : {}),
    ...(timeZone && /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(timeZone) ? { timeZone } : {}),
  };
}

/**
 * Answers with no session products are the same for every request with the same rules, country and hour: each
 * is ranked once per version and kept (a ranking is a pass over the catalogue: at 100k products it was most of
 * /api/rank's time under load). Keyed by the version's data, so a new version starts afresh; at most
 * SHARED_ANSWERS per version, the oldest dropped first.
 */
const SHARED_ANSWERS = 512;
const sharedAnswers = new WeakMap<ColdStartData, Map<string, Ranked[]>>();

function shared(data: ColdStartData, key: string, rank: () => Ranked[]): Ranked[] {
  let answers = sharedAnswers.get(data);
  if (!answers) sharedAnswers.set(data, (answers = new Map()));
  let items = answers.get(key);
  if (!items) {
    items = rank();
    if (answers.size >= SHARED_ANSWERS) answers.delete(answers.keys().next().value!);
    answers.set(key, items);
  }
  // A copy: the list is the server's, whatever a caller does with its answer.
  return items.map((i) => ({ ...i }));
}

/** `artifacts`: where the model files are read (HTTP from TANDEM_ARTIFACTS_ORIGIN unless the caller has them on disk). */
export async function serveColdStart(query: ColdStartQuery, config: StoreConfig, assignments: Assignment[], geo: Geo, opts: { now?: Date; artifacts?: ArtifactSource } = {}): Promise<ServeResult> {
  const now = opts.now ?? new Date();
  const plan = planShelf(query.placement, config, assignments, { k: query.k, ...(query.sku ? { anchorSku: query.sku } : {}) });
  if (plan.deviceOnly) return { ok: false, status: 400, error: `${query.placement} is ranked on the device only: it needs the purchase history, which never leaves the device` };
  if (!plan.edgeRanking) return { ok: false, status: 503, error: 'cold-start ranking is switched off' };
  const started = performance.now();
  let data;
  try {
    data = await coldStartData(plan.modelPin, opts.artifacts);
  } catch (e) {
    console.error('[tandem] cold-start data unavailable:', (e as Error).message);
    return { ok: false, status: 503, error: 'ranking temporarily unavailable' };
  }
  const anchors = [...query.recent, ...(query.sku ? [query.sku] : [])];
  const missing = anchors.filter((s) => !data.index.has(s));
  if (missing.length > 0) return { ok: false, status: 400, error: `unknown product code: ${missing.slice(0, 3).join(', ')}` };

  const request = { country: geo.country, hour: hourIn(now, geo.timeZone ?? data.context.timeZone) };
  const rank = () => coldStartRank(data, plan.rules, query.recent, { request, now: now.getTime() });
  const items = anchors.length === 0 ? shared(data, `${request.country ?? ''}|${request.hour}|${JSON.stringify(plan.rules)}`, rank) : rank();
  return { ok: true, shelf: { items, source: 'edge', modelVersion: data.modelVersion, experiment: plan.reported }, ms: Math.round(performance.now() - started), byCountry: anchors.length === 0 && data.context.weights.country > 0 && !!geo.country && geo.country in data.context.countries };
}
