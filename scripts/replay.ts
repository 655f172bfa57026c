/**
 * `npm run replay -- --from DATE --to DATE [--log FILE] [--base URL] [--shoppers N] [--seed S] [--concurrency C] [--token T]`
 *
 * Drives a served store over HTTP with the real shoppers of a period (Li et al., 2011: replaying logged traffic
 * is how a loop is tested before real traffic arrives). For each sampled customer with purchases in [from, to):
 * their history before `from` is on their "device"; each basket is a visit: the home page (the server mints the
 * visitor and sets its cookie), then each product of the basket in order, then the cart, then the order. Every page's
 * shelves are planned by the server (GET /api/shelves, the plans the HTML carries), ranked where the page would
 * rank them: by the device's own code in Node (lib/device/rank-handler.ts, the tower in TypeScript) when the
 * device holds a history, else by GET /api/rank with the session's views. The page's events are sent as the page
 * sends them (lib/events/shelf-events.ts); the shopper clicks a shown product its basket holds and has not added
 * yet (first one on the shelf), adds each product on its page, and orders the basket with its lines marked.
 *
 * Time: the period is moved to end now (the store refuses events older than 30 days), every date kept relative.
 * Limits: the store's own. Each shopper comes from its own address in 10.0.0.0/8, sent as X-Forwarded-For: the
 * replay is the store's one trusted proxy, so start the store with TANDEM_TRUSTED_PROXIES=1 (docs/experiments.md).
 * A store reached directly with that setting would trust anyone's X-Forwarded-For: it is a test store's setting.
 * Deterministic for a seed: the shoppers, their order and every choice; only the server's own timing (when a
 * shelf's health is evaluated) is not.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { MAX_LINES, MAX_QUANTITY } from '../lib/cart/cart';
import type { RankAnswer } from '../lib/coldstart/answer';
import type { HealthJson } from '../lib/experiments/health';
import { answerRank, type Ranker } from '../lib/device/rank-handler';
import { shelfEvents, type ShelfEvent, type ShownOnShelf } from '../lib/events/shelf-events';
import type { ShopperEvent } from '../lib/events/schema';
import { loadModel, shelfModelOf } from '../lib/recs/artifacts';
import type { HistoryEvent, HistoryInputs } from '../lib/recs/features';
import { PointerSchema } from '../lib/recs/manifest';
import { dotAll } from '../lib/recs/rank';
import { prepareScorer } from '../lib/recs/rank-wasm';
import { shelfUser } from '../lib/recs/shelf';
import { poolHistory, userTower } from '../lib/recs/tower';
import type { ShelfPlan } from '../lib/shelf/plan';
import { cleanLog, locateDataset, readLog, type Purchase } from '../models/data';
import { rng } from '../models/random';
import { toMillis } from '../models/time';

const DAY = 86_400_000;

export interface ReplayArgs {
  from: string;
  to: string;
  log?: string;
  base: string;
  shoppers: number;
  seed: number;
  concurrency: number;
  token?: string;
}

/** A replayed shopper: their history before the period, and each basket in it (lines in the order they were keyed). */
export interface ReplayShopper {
  customer: string;
  history: HistoryEvent[];
  baskets: { at: number; lines: { sku: string; quantity: number }[] }[];
}

/** The period's shoppers: customers with a purchase in [from, to), `n` of them drawn by the seed. */
export function periodShoppers(purchases: readonly Purchase[], history: readonly Purchase[], from: number, to: number, n: number, seed: number): ReplayShopper[] {
  const inPeriod = new Map<string, Purchase[]>();
  for (const p of purchases) {
    const at = toMillis(p.date);
    if (!p.customerId || at < from || at >= to) continue;
    (inPeriod.get(p.customerId) ?? inPeriod.set(p.customerId, []).get(p.customerId)!).push(p);
  }
  const customers = [...inPeriod.keys()].sort();
  const rand = rng(seed);
  // Fisher-Yates with the seed, then the first n.
  for (let i = customers.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [customers[i], customers[j]] = [customers[j]!, customers[i]!];
  }
  const before = new Map<string, HistoryEvent[]>();
  for (const p of history) {
    const at = toMillis(p.date);
    if (!p.customerId || at >= from) continue;
    (before.get(p.customerId) ?? before.set(p.customerId, []).get(p.customerId)!).push({ sku: p.sku, at, kind: 'purchase' });
  }
  return customers.slice(0, n).map((customer) => {
    const invoices = new Map<string, { at: number; lines: Map<string, number> }>();
    for (const p of inPeriod.get(customer)!) {
      const b = invoices.get(p.invoice) ?? invoices.set(p.invoice, { at: toMillis(p.date), lines: new Map() }).get(p.invoice)!;
      b.lines.set(p.sku, (b.lines.get(p.sku) ?? 0) + p.quantity);
    }
    return {
      customer,
      history: (before.get(customer) ?? []).sort((a, b) => a.at - b.at),
      baskets: [...invoices.values()].sort((a, b) => a.at - b.at).map((b) => ({ at: b.at, lines: [...b.lines].map(([sku, quantity]) => ({ sku, quantity })) })),
    };
  });
}

/** The device's ranker in Node, per model version, loaded over HTTP from the store as a browser would. */
function deviceRankers(base: string) {
  const loaded = new Map<string, Promise<Ranker>>();
  const load = async (version: string | null): Promise<Ranker> => {
    const pointer = version ? { version, manifest: `/models/${version}/manifest.json` } : PointerSchema.parse(await (await fetch(`${base}/models/current.json`)).json());
    const dir = pointer.manifest.replace(/manifest\.json$/, '');
    const model = await loadModel(async (p) => new Uint8Array(await (await fetch(`${base}${dir}${p}`)).arrayBuffer()));
    const shelf = shelfModelOf(model);
    const scorer = prepareScorer(model.items, model.manifest.dim, { signals: model.signals });
    const score = async (h: HistoryInputs) => {
      const u = userTower(model.tower, poolHistory(model.items, model.manifest.dim, h.ids, h.weights));
      return shelfUser(shelf, h, () => dotAll(u, model.items, model.manifest.dim));
    };
    return { model, shelf, scorer, source: 'device-wasm', score };
  };
  return (version: string | null) => {
    const key = version ?? 'current';
    if (!loaded.has(key)) loaded.set(key, load(version));
    return loaded.get(key)!;
  };
}

/** What a shelf showed and how the shopper answered, tallied per placement and arm. */
export interface Tally {
  shown: number;
  clicks: number;
  device: number;
  edge: number;
  failed: number;
}

export interface ReplayResult {
  shoppers: number;
  baskets: number;
  orders: number;
  refusedOrders: number;
  tallies: Map<string, Tally>;
  ms: number;
}

/** A deterministic event id: the seed, the shopper and the event's place in their replay. */
const eventId = (seed: number, customer: string, n: number) => {
  const h = createHash('sha256').update(`${seed}:${customer}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

async function replayShopper(s: ReplayShopper, index: number, args: ReplayArgs, offset: number, ranker: ReturnType<typeof deviceRankers>, result: ReplayResult): Promise<void> {
  const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const cookies = new Map<string, string>();
  let n = 0;
  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${args.base}${path}`, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), 'X-Forwarded-For': address, Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'User-Agent': 'tandem-replay' },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      // Within the store's limits: a refusal says when to come back, and the replay does.
      if (res.status !== 429 || attempt >= 5) return res;
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    }
  };
  const history: HistoryEvent[] = s.history.map((e) => ({ ...e, at: e.at + offset }));
  const clickedFromShelf = new Set<string>();
  const send = async (events: (ShelfEvent & { at: number })[]) => {
    if (events.length === 0) return;
    const body = JSON.stringify({ events: events.map((e) => ({ ...e, id: eventId(args.seed, s.customer, n++) }) satisfies ShopperEvent) });
    const res = await request('/api/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    if (res.status !== 202) {
      const text = await res.text();
      if (events.some((e) => e.type === 'purchase')) result.refusedOrders++;
      else throw new Error(`/api/events answered ${res.status}: ${text.slice(0, 200)}`);
    }
  };
  if (s.history.length > 0) cookies.set('tandem_buyer', '1');

  for (const basket of s.baskets.map((b) => ({ ...b, at: b.at + offset }))) {
    result.baskets++;
    const want = basket.lines.slice(0, MAX_LINES);
    const added = new Set<string>();
    const views: string[] = [];
    let t = basket.at - want.length * 60_000 - 120_000;
    const page = async (path: string, kind: 'home' | 'product' | 'cart', sku?: string) => {
      const res = await request(path);
      await res.arrayBuffer();
      t += 30_000;
      const shelvesRes = await request(`/api/shelves?page=${kind}${sku ? `&sku=${encodeURIComponent(sku)}` : ''}`);
      if (!shelvesRes.ok) throw new Error(`/api/shelves answered ${shelvesRes.status}: ${(await shelvesRes.text()).slice(0, 200)}`);
      const { shelves } = (await shelvesRes.json()) as { shelves: ShelfPlan[] };
      const events: (ShelfEvent & { at: number })[] = [];
      const onDevice = history.length > 0;
      const cart = [...added];
      for (const plan of shelves) {
        if (plan.deviceOnly && !onDevice) continue;
        let items: string[];
        let shown: ShownOnShelf;
        const key = `${plan.placement}|${plan.holdback?.arm ?? 'model'}`;
        const tally = result.tallies.get(key) ?? { shown: 0, clicks: 0, device: 0, edge: 0, failed: 0 };
        result.tallies.set(key, tally);
        if (onDevice && plan.deviceRanking) {
          const r = await ranker(plan.modelPin);
          const [answer] = await answerRank(r, { type: 'rank', id: 0, history, cart, shelves: [plan.rules] }, 0, t);
          items = answer!.items.map((i) => i.sku);
          shown = { source: 'device-wasm', modelVersion: answer!.modelVersion, rankMs: Math.round(answer!.timings.inferenceMs + answer!.timings.rankingMs) };
          tally.device++;
        } else if (!plan.deviceOnly && plan.edgeRanking) {
          const q = new URLSearchParams({ placement: plan.placement, k: String(plan.rules.k) });
          if (plan.rules.anchorSku) q.set('sku', plan.rules.anchorSku);
          if (views.length > 0) q.set('recent', views.slice(-20).join(','));
          const rr = await request(`/api/rank?${q}`);
          if (!rr.ok) {
            tally.failed++;
            continue;
          }
          const answer = (await rr.json()) as RankAnswer;
          items = answer.items.map((i) => i.sku);
          shown = { source: 'edge', modelVersion: answer.modelVersion };
          tally.edge++;
        } else continue;
        tally.shown++;
        events.push(...shelfEvents(plan, shown, 'exposure', null, false).map((e) => ({ ...e, at: t })));
        const position = items.findIndex((x) => want.some((l) => l.sku === x) && !added.has(x) && !clickedFromShelf.has(x));
        if (position >= 0) {
          tally.clicks++;
          clickedFromShelf.add(items[position]!);
          events.push(...shelfEvents(plan, shown, 'click', position, false).map((e) => ({ ...e, at: t + 1000 })));
        }
      }
      await send(events);
    };
    await page('/', 'home');
    for (const line of want) {
      history.push({ sku: line.sku, at: t, kind: 'view' });
      views.push(line.sku);
      await page(`/products/${encodeURIComponent(line.sku)}`, 'product', line.sku);
      history.push({ sku: line.sku, at: t + 2000, kind: 'cart' });
      added.add(line.sku);
      await send([{ type: 'add-to-cart', placement: 'product-page', experiment: null, variant: null, at: t + 2000 }]);
    }
    await page('/cart', 'cart');
    const at = Math.max(t + 5000, basket.at);
    await send([{ type: 'purchase', placement: 'cart', experiment: null, variant: null, at, lines: want.map((l) => ({ sku: l.sku, quantity: Math.min(l.quantity, MAX_QUANTITY), fromShelf: clickedFromShelf.has(l.sku) })) }]);
    result.orders++;
    for (const l of want) history.push({ sku: l.sku, at, kind: 'purchase' });
    cookies.set('tandem_buyer', '1');
  }
}

/** Runs the replay: `progress` is told after each shopper. */
export async function replay(args: ReplayArgs, progress: (done: number, total: number) => void = () => undefined): Promise<ReplayResult & { report: HealthJson | null }> {
  const file = args.log ?? locateDataset(process.cwd());
  const purchases = cleanLog(readLog(file)).purchases;
  const history = args.log ? cleanLog(readLog(locateDataset(process.cwd()))).purchases : purchases;
  const from = Date.parse(`${args.from}T00:00:00Z`);
  const to = Date.parse(`${args.to}T00:00:00Z`);
  if (!(from < to)) throw new Error(`--from ${args.from} must be a date before --to ${args.to} (YYYY-MM-DD)`);
  const shoppers = periodShoppers(purchases, history, from, to, args.shoppers, args.seed);
  // The period moved to end a minute ago, every date kept relative (the store takes events of the last 30 days).
  const offset = Math.floor((Date.now() - 60_000 - to) / DAY) * DAY;
  if (to - from > 28 * DAY) throw new Error('a period of at most four weeks: the store refuses events older than 30 days');
  const ranker = deviceRankers(args.base);
  const result: ReplayResult = { shoppers: shoppers.length, baskets: 0, orders: 0, refusedOrders: 0, tallies: new Map(), ms: 0 };
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < shoppers.length) {
      const i = next++;
      await replayShopper(shoppers[i]!, i + 1, args, offset, ranker, result);
      progress(++done, shoppers.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, worker));
  result.ms = Date.now() - t0;
  let report: HealthJson | null = null;
  if (args.token) {
    const res = await fetch(`${args.base}/admin/health/report.json`, { headers: { Authorization: `Bearer ${args.token}` } });
    if (res.ok) report = (await res.json()) as HealthJson;
    else console.warn(`replay: /admin/health/report.json answered ${res.status}`);
  }
  return { ...result, report };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The table a replay prints: per shelf and arm, what the replay saw, and the store's readout where it could read it. */
export function replayTable(r: ReplayResult & { report: HealthJson | null }): string {
  const rows = ['| shelf | arm | shown (device / edge) | clicks | replay CTR | store: visitors | store CTR [95%] | lift | verdict | fallback |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  const placements = [...new Set([...r.tallies.keys()].map((k) => k.split('|')[0]!))].sort();
  for (const placement of placements) {
    const shelf = r.report?.shelves.find((s) => s.placement === placement);
    for (const arm of ['model', 'baseline'] as const) {
      const t = r.tallies.get(`${placement}|${arm}`);
      const a = shelf?.arms.find((x) => x.arm === arm);
      if (!t && !a) continue;
      const ctr = a ? `${pct(a.ctr.value)} [${pct(a.ctr.low)}, ${pct(a.ctr.high)}]` : '–';
      const lift = a?.ctr.lift ? `${pct(a.ctr.lift.value)} [${pct(a.ctr.lift.low)}, ${pct(a.ctr.lift.high)}]` : '';
      rows.push(`| ${placement} | ${arm} | ${t ? `${t.shown} (${t.device} / ${t.edge})` : '–'} | ${t?.clicks ?? '–'} | ${t && t.shown ? pct(t.clicks / t.shown) : '–'} | ${a?.visitors ?? '–'} | ${ctr} | ${lift} | ${arm === 'model' ? (shelf?.verdict ?? '') : ''} | ${arm === 'model' && shelf ? String(shelf.fallback) : ''} |`);
    }
  }
  return rows.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      log: { type: 'string' },
      base: { type: 'string', default: 'http://localhost:3000' },
      shoppers: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '4' },
      token: { type: 'string' },
    },
  });
  if (!values.from || !values.to) {
    console.error('usage: npm run replay -- --from YYYY-MM-DD --to YYYY-MM-DD [--log FILE] [--base URL] [--shoppers N] [--seed S] [--concurrency C] [--token ADMIN_TOKEN]');
    process.exit(2);
  }
  const args: ReplayArgs = {
    from: values.from,
    to: values.to,
    ...(values.log ? { log: values.log } : {}),
    base: values.base.replace(/\/$/, ''),
    shoppers: Number(values.shoppers),
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    ...((values.token ?? process.env.ADMIN_TOKEN) ? { token: values.token ?? process.env.ADMIN_TOKEN } : {}),
  };
  // A bar on a terminal; a line every tenth of the way in a log.
  const bar = (done: number, total: number) => {
    const w = 30;
    const f = Math.round((done / total) * w);
    if (process.stderr.isTTY) process.stderr.write(`\rreplay [${'#'.repeat(f)}${'.'.repeat(w - f)}] ${done}/${total} shoppers`);
    else if (done === total || Math.floor((done * 10) / total) > Math.floor(((done - 1) * 10) / total)) process.stderr.write(`replay: ${done}/${total} shoppers\n`);
  };
  const r = await replay(args, bar);
  process.stderr.write('\n');
  console.log(`replay: ${r.shoppers} shoppers, ${r.baskets} baskets, ${r.orders} orders (${r.refusedOrders} refused by the store's limits) in ${(r.ms / 1000).toFixed(0)} s`);
  console.log(replayTable(r));
  if (!r.report) console.log('(no store readout: pass --token or set ADMIN_TOKEN to read /admin/health/report.json)');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e: unknown) => {
    console.error(`replay: ${(e as Error).message}`);
    process.exit(1);
  });
}
