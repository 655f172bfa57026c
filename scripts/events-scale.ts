/**
 * `npm run bench:events`: the experiments readout at a real store's volume (issue 15). Needs PostgreSQL
 * (`DATABASE_URL`, or `bash scripts/start-postgres.sh` here); the events go to a table of their own
 * (`scale_events`, dropped first), never the store's.
 *
 * 1. Loads 10 million events (1 million visitors, two experiments, exposures, clicks, add-to-cart and orders)
 *    with one INSERT … SELECT over generate_series, then builds the per-visitor rollup from them the way ingest
 *    keeps it (lib/events/store.ts), in one GROUP BY.
 * 2. Times the readout: the store's query plus lib/experiments/report.ts, directly and through the production
 *    server (the dashboard page and report.json, with the admin token), 10 times each.
 * 3. Times ingestion: POST /api/events on loopback with autocannon, 20 events a batch, through the same server
 *    on the 10-million-event table (rate limits off: one address and visitor per connection).
 *
 * Writes bench-results/events-scale.json.   npm run bench:events [-- --events 10000000 --seconds 20]
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { assignVariant } from '../lib/experiments/assign';
import { openPostgresStore } from '../lib/events/postgres-store';
import { DAY_MS } from '../lib/events/store';
import { buildReport } from '../lib/experiments/report';
import { percentiles } from '../lib/recs/timing';
import { autocannon } from './autocannon';
import { startNextServer, visitorCookie } from './next-server';


const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '8' } } });
const EVENTS = Math.max(10_000, Number(values.events));
const VISITORS = Math.max(1000, Math.round(EVENTS / 10));
const SECONDS = Number(values.seconds);
const PER_BATCH = 20;
const TABLE = 'scale_events';
const url = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url) {
  console.error('bench:events needs PostgreSQL: set DATABASE_URL (here: export DATABASE_URL=$(bash scripts/start-postgres.sh | tail -n 1))');
  process.exit(2);
}

const config = parseLocal(localJson);
const running = config.experiments.filter((e) => e.status === 'running');
const ms = (t: number) => Math.round((performance.now() - t) * 10) / 10;
const median = (xs: number[]) => percentiles(xs).p50;
const bar = (done: number, total: number, label: string) => process.stdout.write(`\r${label} [${'#'.repeat(Math.round((done / total) * 30)).padEnd(30)}] ${done}/${total}`);

async function load(pool: Pool) {
  const store = openPostgresStore(url!, TABLE);
  await store.countByType(); // creates the tables
  await store.close();
  await pool.query(`TRUNCATE ${TABLE}, ${TABLE}_exposed`);
  const now = Date.now();
  // Events are spread over 28 days; each visitor's are numbered k = 0..9: exposures (two experiments'
  // shelves), clicks, one add-to-cart, and an order for one visitor in twenty. Arms by the same 50/50 split.
  const chunks = 20;
  const per = Math.ceil(EVENTS / chunks);
  const t = performance.now();
  for (let c = 0; c < chunks; c++) {
    bar(c, chunks, 'load raw events');
    await pool.query(
      `INSERT INTO ${TABLE} (id, type, experiment, variant, placement, position, lines, revenue_pence, at, visitor, received_at, source, model_version)
       SELECT md5(i::text), 
         CASE WHEN i % 10 < 6 THEN 'exposure' WHEN i % 10 < 8 THEN 'click' WHEN i % 10 = 8 THEN 'add-to-cart' ELSE 'purchase' END,
         CASE WHEN i % 10 < 8 THEN (CASE WHEN i % 2 = 0 THEN $1 ELSE $2 END) END,
         CASE WHEN i % 10 < 8 THEN (CASE WHEN (i / 10) % 2 = 0 THEN 'a' ELSE 'b' END) END,
         'home-for-you', CASE WHEN i % 10 IN (6, 7) THEN i % 12 END,
         CASE WHEN i % 10 = 9 THEN '[{"sku":"85123A","quantity":1,"fromShelf":true}]' END,
         CASE WHEN i % 10 = 9 THEN 295 END,
         $3::bigint - ((i / 10) % 28) * ${DAY_MS} + (i % 10) * 1000, 'v' || ((i / 10) % ${VISITORS}), $3::bigint, 'edge', 'none'
       FROM generate_series($4::bigint, $5::bigint) AS i`,
      [running[0]?.id ?? 'exp-a', running[1]?.id ?? 'exp-b', now, c * per, Math.min(EVENTS, (c + 1) * per) - 1],
    );
  }
  bar(chunks, chunks, 'load raw events');
  const loadMs = ms(t);
  const t2 = performance.now();
  // The rollup ingest keeps, built at once from the raw events (same columns, same meaning).
  await pool.query(
    `INSERT INTO ${TABLE}_exposed (experiment, visitor, variant, first_at, exposures, clicks, fallbacks, added, purchased, revenue_pence, rec_revenue_pence)
     SELECT x.experiment, x.visitor, MIN(x.variant), MIN(x.at) FILTER (WHERE x.type = 'exposure'),
       COUNT(*) FILTER (WHERE x.type = 'exposure'), COUNT(*) FILTER (WHERE x.type = 'click'), 0,
       MAX(CASE WHEN o.added THEN 1 ELSE 0 END), MAX(CASE WHEN o.purchased THEN 1 ELSE 0 END), COALESCE(MAX(o.revenue), 0), COALESCE(MAX(o.revenue), 0)
     FROM ${TABLE} x
     LEFT JOIN (SELECT visitor, bool_or(type = 'add-to-cart') AS added, bool_or(type = 'purchase') AS purchased, SUM(revenue_pence) AS revenue
                FROM ${TABLE} WHERE type IN ('add-to-cart', 'purchase') GROUP BY visitor) o ON o.visitor = x.visitor
     WHERE x.experiment IS NOT NULL GROUP BY x.experiment, x.visitor HAVING COUNT(*) FILTER (WHERE x.type = 'exposure') > 0`,
  );
  await pool.query(`ANALYZE ${TABLE}; ANALYZE ${TABLE}_exposed`);
  const rollupMs = ms(t2);
  const counts = await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${TABLE}`);
  const rollup = await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${TABLE}_exposed`);
  console.log(`\nloaded ${Number(counts.rows[0]!.n).toLocaleString('en-GB')} events in ${(loadMs / 1000).toFixed(0)} s; rollup ${Number(rollup.rows[0]!.n).toLocaleString('en-GB')} visitor rows in ${(rollupMs / 1000).toFixed(0)} s`);
  return { events: Number(counts.rows[0]!.n), rollupRows: Number(rollup.rows[0]!.n) };
}

async function main() {
  const pool = new Pool({ connectionString: url, max: 2 });
  const loaded = await load(pool);
  await pool.end();

  // The readout in-process: the store's query and the report, per running experiment.
  const store = openPostgresStore(url!, TABLE);
  const direct: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    for (const e of running) buildReport({ ...e, variants: e.variants }, await store.experimentCounts(e.id));
    direct.push(ms(t));
  }
  await store.close();

  const token = randomUUID();
  const server = await startNextServer({ host: '127.0.0.1', env: { DATABASE_URL: url!, TANDEM_EVENTS_TABLE: TABLE, ADMIN_TOKEN: token, TANDEM_EVENTS_LIMIT_VISITOR: 'off', TANDEM_EVENTS_LIMIT_ADDRESS: 'off' } });
  try {
    const auth = { Authorization: `Bearer ${token}` };
    const timed = async (path: string) => {
      const out: number[] = [];
      for (let i = 0; i < 11; i++) {
        const t = performance.now();
        const res = await fetch(`${server.base}${path}`, { headers: auth });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
        if (i > 0) out.push(ms(t)); // the first warms the server
      }
      return out;
    };
    const page = await timed('/admin/experiments');
    const json = await timed(`/admin/experiments/${running[0]!.id}/report.json`);

    // Ingestion: each connection is one visitor (signed as the store's pages sign them), its arms by the real assignment.
    let conn = 0;
    const visitors = await Promise.all(Array.from({ length: Number(values.connections) }, async () => { const id = randomUUID(); return { id, cookie: await visitorCookie(id) }; }));
    const ingest = await autocannon({
      url: server.base,
      connections: Number(values.connections),
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/events',
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
            context.visitor ??= visitors[conn++ % visitors.length]!;
            const { id: visitor, cookie } = context.visitor as { id: string; cookie: string };
            const now = Date.now();
            const events = Array.from({ length: PER_BATCH }, (_, i) => {
              const e = running[i % running.length]!;
              const base = { id: randomUUID(), experiment: e.id, variant: assignVariant(e, visitor), placement: 'home-for-you', at: now + i };
              return i % 4 === 3 ? { ...base, type: 'click', position: i % 12 } : { ...base, type: 'exposure', source: 'edge', fallback: false };
            });
            return { ...req, headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ events }) };
          },
        },
      ],
    });
    const eventsPerSecond = Math.round((ingest['2xx'] * PER_BATCH) / SECONDS);
    const result = {
      date: new Date().toISOString(),
      events: loaded.events,
      rollupRows: loaded.rollupRows,
      experiments: running.map((e) => e.id),
      readout: { directP50Ms: median(direct), dashboardP50Ms: median(page), dashboardMaxMs: Math.max(...page), reportJsonP50Ms: median(json), reportJsonMaxMs: Math.max(...json) },
      ingest: { seconds: SECONDS, connections: Number(values.connections), perBatch: PER_BATCH, batches: ingest['2xx'], non2xx: ingest.non2xx, errors: ingest.errors + ingest.timeouts, eventsPerSecond, p50Ms: ingest.latency.p50, p99Ms: ingest.latency.p99 },
    };
    console.log(`\nreadout of ${running.length} experiments over ${loaded.events.toLocaleString('en-GB')} events: store + report ${result.readout.directP50Ms} ms p50; dashboard page ${result.readout.dashboardP50Ms} ms p50 (max ${result.readout.dashboardMaxMs}); report.json ${result.readout.reportJsonP50Ms} ms p50 (max ${result.readout.reportJsonMaxMs})`);
    console.log(`ingest: ${eventsPerSecond.toLocaleString('en-GB')} events/s (${ingest['2xx']} batches of ${PER_BATCH} in ${SECONDS} s, ${Number(values.connections)} connections, p50 ${ingest.latency.p50} ms, p99 ${ingest.latency.p99} ms, non-2xx ${ingest.non2xx}, errors ${result.ingest.errors})`);
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/events-scale.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('wrote bench-results/events-scale.json');
    if (ingest.non2xx || result.ingest.errors) process.exitCode = 1;
  } finally {
    server.stop();
  }
}

await main();
