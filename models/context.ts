/**
 * Builds coldstart.json (lib/coldstart/context.ts): per country and per daypart, the products bought
 * more than their overall share, as a smoothed log-lift, and the weight that mixes them into the prior,
 * tuned on the tuning split by full-catalogue NDCG@10 of "what will this order contain" with no history.
 */
import { contextScores, type ColdStartContext } from '../lib/coldstart/context';
import { topK } from '../lib/recs/rank';
import type { Purchase } from './data';
import { evaluate, type EvalUser, type Metrics } from './evaluate';
import { DAY, toMillis } from './time';
import { sampleBy, SAMPLE_CAPS } from './sample';

/** Country names as the log spells them → ISO 3166-1 alpha-2 (what geo headers carry). */
const ISO: Record<string, string> = {
  'United Kingdom': 'GB', France: 'FR', Germany: 'DE', EIRE: 'IE', Spain: 'ES', Netherlands: 'NL', Belgium: 'BE', Switzerland: 'CH',
  Portugal: 'PT', Australia: 'AU', Norway: 'NO', Italy: 'IT', 'Channel Islands': 'JE', Finland: 'FI', Cyprus: 'CY', Sweden: 'SE',
  Austria: 'AT', Denmark: 'DK', Japan: 'JP', Poland: 'PL', USA: 'US', Israel: 'IL', 'Hong Kong': 'HK', Singapore: 'SG', Iceland: 'IS',
  Canada: 'CA', Greece: 'GR', Malta: 'MT', 'United Arab Emirates': 'AE', RSA: 'ZA', Lebanon: 'LB', Lithuania: 'LT', Brazil: 'BR',
  'Czech Republic': 'CZ', Bahrain: 'BH', 'Saudi Arabia': 'SA',
};
/** The log's clock is the UK shop's. */
const TIME_ZONE = 'Europe/London';
const DAYPARTS = [
  { name: 'morning', fromHour: 0, toHour: 12 },
  { name: 'midday', fromHour: 12, toHour: 14 },
  { name: 'afternoon', fromHour: 14, toHour: 24 },
];
const WINDOW_DAYS = 365;
const MIN_ORDERS = 20;
/** Pseudo-orders of the overall mix added to every context, so a product seen once in Iceland is not a trend. */
const SMOOTHING = 30;
const KEEP = 150;
const WEIGHTS = [0, 0.05, 0.1, 0.2, 0.35, 0.5, 1];

const hourOf = (date: string) => Number(date.slice(11, 13));

/** Orders (invoices) per product within each context, from purchases in [since, now). */
function buildBoosts(purchases: readonly Purchase[], index: ReadonlyMap<string, number>, n: number, since: number, now: number) {
  const overall = new Float64Array(n);
  let overallOrders = 0;
  const seen = new Set<string>();
  const invoices = new Set<string>();
  const ctx = new Map<string, { counts: Map<number, number>; orders: Set<string> }>();
  const add = (key: string, invoice: string, i: number) => {
    let c = ctx.get(key);
    if (!c) ctx.set(key, (c = { counts: new Map(), orders: new Set() }));
    c.orders.add(invoice);
    c.counts.set(i, (c.counts.get(i) ?? 0) + 1);
  };
  for (const p of purchases) {
    const t = toMillis(p.date);
    const i = index.get(p.sku);
    if (t < since || t >= now || i === undefined) continue;
    const key = `${p.invoice}:${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    overall[i]! += 1;
    if (!invoices.has(p.invoice)) {
      invoices.add(p.invoice);
      overallOrders++;
    }
    const iso = ISO[p.country];
    if (iso) add(`c:${iso}`, p.invoice, i);
    const dp = DAYPARTS.find((d) => hourOf(p.date) >= d.fromHour && hourOf(p.date) < d.toHour);
    if (dp) add(`d:${dp.name}`, p.invoice, i);
  }
  const share = Array.from(overall, (c) => (c + 0.5) / (overallOrders + 0.5 * n));
  const boostOf = (key: string): { orders: number; boost: [number, number][] } | undefined => {
    const c = ctx.get(key);
    if (!c || c.orders.size < MIN_ORDERS) return undefined;
    const orders = c.orders.size;
    const lifts: [number, number][] = [];
    for (const [i, k] of c.counts) {
      const smoothed = (k + SMOOTHING * share[i]!) / (orders + SMOOTHING);
      const lift = Math.log(smoothed / share[i]!);
      if (lift > 0) lifts.push([i, Math.round(lift * 1e4) / 1e4]);
    }
    // Keep the lifts that matter most: big ones on products the context really buys.
    lifts.sort((a, b) => b[1] * Math.sqrt(c.counts.get(b[0])!) - a[1] * Math.sqrt(c.counts.get(a[0])!));
    return { orders, boost: lifts.slice(0, KEEP) };
  };
  return { boostOf };
}

export function buildContext(purchases: readonly Purchase[], index: ReadonlyMap<string, number>, n: number, now: number, weights: ColdStartContext['weights']): ColdStartContext {
  const { boostOf } = buildBoosts(purchases, index, n, now - WINDOW_DAYS * DAY, now);
  const countries: ColdStartContext['countries'] = {};
  const boosts = Object.entries(ISO).flatMap(([name, iso]) => {
    const b = boostOf(`c:${iso}`);
    return b ? [{ name, iso, ...b }] : [];
  });
  // The home market is most of the orders: its "lift" over the whole is noise, and the prior already fits it.
  const home = boosts.reduce((a, b) => (b.orders > a.orders ? b : a), boosts[0]!);
  for (const b of boosts) if (b !== home) countries[b.iso] = { name: b.name, orders: b.orders, boost: b.boost };
  const dayparts = DAYPARTS.map((d) => ({ ...d, boost: boostOf(`d:${d.name}`)?.boost ?? [] }));
  return { format: 1, timeZone: TIME_ZONE, weights, countries, dayparts };
}

/** Every order in `future` as a shopper with no history: can the context guess what is in it? */
function orderUsers(future: readonly Purchase[], index: ReadonlyMap<string, number>): (EvalUser & { country?: string; hour: number })[] {
  const orders = new Map<string, EvalUser & { country?: string; hour: number }>();
  for (const p of future) {
    const i = index.get(p.sku);
    if (i === undefined) continue;
    let o = orders.get(p.invoice);
    if (!o) orders.set(p.invoice, (o = { customer: p.invoice, history: [], targets: new Set(), owned: new Set(), country: ISO[p.country], hour: hourOf(p.date) }));
    o.targets.add(i);
  }
  // Past the cap, a sample of the orders (models/sample.ts): each ranks the whole catalogue.
  return sampleBy([...orders.values()], (o) => o.customer, SAMPLE_CAPS.orders).items;
}

export function coldStartMetrics(prior: Float32Array, ctx: ColdStartContext, future: readonly Purchase[], index: ReadonlyMap<string, number>, weights: ColdStartContext['weights']): Metrics {
  return evaluate(orderUsers(future, index), (u) => {
    const o = u as EvalUser & { country?: string; hour: number };
    return topK(contextScores(prior, ctx, { country: o.country, hour: o.hour }, weights), 10);
  });
}

/**
 * Each signal's weight by the best NDCG@10 on the tuning split, one at a time (0, plain popularity, is
 * always a candidate, so a signal that does not help is switched off rather than shipped).
 */
export function tuneContextWeights(prior: Float32Array, purchases: readonly Purchase[], index: ReadonlyMap<string, number>, n: number, from: number, to: number) {
  const ctx = buildContext(purchases, index, n, from, { country: 0, daypart: 0 });
  const future = purchases.filter((p) => toMillis(p.date) >= from && toMillis(p.date) < to);
  const best = (key: 'country' | 'daypart') =>
    WEIGHTS.map((w) => ({ w, ndcg: coldStartMetrics(prior, ctx, future, index, { country: 0, daypart: 0, [key]: w })['ndcg@10'] })).reduce((a, g) => (g.ndcg > a.ndcg + 1e-9 ? g : a));
  const country = best('country');
  const daypart = best('daypart');
  const weights = { country: country.w, daypart: daypart.w };
  return { weights, ndcg: coldStartMetrics(prior, ctx, future, index, weights)['ndcg@10'], popularity: coldStartMetrics(prior, ctx, future, index, { country: 0, daypart: 0 })['ndcg@10'] };
}
