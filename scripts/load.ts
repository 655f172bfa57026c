/**
 * `npm run load`: a bounded load test on loopback. Starts the production build on a free port with an
 * events database of its own, drives GET /api/rank and POST /api/events at a fixed rate with autocannon,
 * prints p50/p99 latency and errors, then checks the store: every event acknowledged with a 202 is
 * stored exactly once (10% of batches are sent twice on purpose), none is lost or doubled. The events
 * phase runs with the rate limits off (it measures the store, and comes from one address and visitor).
 *
 * Then the cookie flood (issue 12): one client sends a request carrying 3,500 cookies in a loop while a
 * shopper loads the home page at a steady rate; the home page's p50 is compared with its quiet value,
 * on the store's server (gate before Next) and on plain `next start` (only proxy.ts's gate), same run.
 *
 *   npm run load [-- --rate 200 --seconds 10 --connections 20] [--before DIR]
 *
 * Then slow readers (issue 24): 500 clients, spread over ten loopback addresses (127.0.0.2–11, so the per-address
 * connection cap is not what stops them), each asks for the largest static file and never reads; a shopper loads
 * the home page at a steady rate from 127.0.0.1. Prints the home page's p95 quiet and meanwhile, and how many
 * of the 500 the server has cut off 60 s after they connected (it closes a response without progress for 30 s).
 *
 * `--before DIR`: also run the cookie flood against DIR's build under plain `next start` (a checkout of an
 * older commit, built), so before and after are measured the same way in the same run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { autocannon, type AcRequest, type AcResult } from './autocannon';
import { startNextServer, visitorCookie, type NextServerOptions } from './next-server';
import { EVENTS_TABLE } from '../lib/events/store';

const { values } = parseArgs({
  options: { 'slow-only': { type: 'boolean', default: false }, rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' }, before: { type: 'string' } },
});
const RATE = Math.min(Number(values.rate), 2000);
const SECONDS = Math.min(Number(values.seconds), 60);
const CONNECTIONS = Math.min(Number(values.connections), 100);
const PER_BATCH = 5;

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-load-'));
  const server = await startNextServer({
    host: '127.0.0.1',
    env: { TANDEM_DATA_DIR: dataDir, ADMIN_TOKEN: randomUUID(), TANDEM_EVENTS_LIMIT_VISITOR: 'off', TANDEM_EVENTS_LIMIT_ADDRESS: 'off', TANDEM_RANK_LIMIT_ADDRESS: 'off' },
  });
  const { base, stop } = server;
  try {
    const visitor = randomUUID();
    const cookie = await visitorCookie(visitor);
    console.log(`load: ${RATE} req/s for ${SECONDS} s per endpoint, ${CONNECTIONS} connections, loopback ${base}\n`);

    const ranks = ['home-for-you', 'cart-upsell'].map((p) => `/api/rank?placement=${p}&k=12`).concat(['/api/rank?placement=product-similar&k=12&sku=85123A', '/api/rank?placement=home-for-you&k=12&recent=85123A,22423']);
    let r = 0;
    const rank = await autocannon({
      url: base,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SECONDS,
      headers: { cookie },
      requests: [{ path: '/', setupRequest: (req: AcRequest) => ({ ...req, path: ranks[r++ % ranks.length]! }) }],
    });

    // Events: every batch has fresh ids; every tenth batch repeats the previous one (a retry after a beacon).
    const acknowledged = new Set<string>();
    const sent = new Set<string>();
    let previous: string[] = [];
    let batchNo = 0;
    const events = await autocannon({
      url: base,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/events',
          setupRequest: (req: AcRequest, context: Record<string, unknown>) => {
            const ids = ++batchNo % 10 === 0 && previous.length ? previous : Array.from({ length: PER_BATCH }, () => randomUUID());
            previous = ids;
            ids.forEach((id) => sent.add(id));
            context.ids = ids;
            const now = Date.now();
            const body = JSON.stringify({
              events: ids.map((id, i) => ({ id, type: i === 0 ? 'exposure' : 'click', experiment: 'home-shelf-position', variant: 'above-hero', placement: 'home-for-you', ...(i === 0 ? {} : { position: 1 }), at: now })),
            });
            return { ...req, headers: { 'content-type': 'application/json', cookie }, body } as AcRequest;
          },
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            const ids = (context.ids as string[] | undefined) ?? [];
            if (status === 202) ids.forEach((id) => acknowledged.add(id));
          },
        },
      ],
    });

    const row = (name: string, x: AcResult) =>
      `${name.padEnd(16)} ${String(x.requests.total).padStart(7)} ${x.latency.p50.toFixed(1).padStart(8)} ${x.latency.p99.toFixed(1).padStart(8)} ${x.latency.max.toFixed(1).padStart(8)} ${String(x.errors + x.timeouts).padStart(7)} ${String(x.non2xx).padStart(7)}`;
    console.log(`${'endpoint'.padEnd(16)} ${'requests'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(7)} ${'non-2xx'.padStart(7)}`);
    console.log(row('GET /api/rank', rank));
    console.log(row('POST /api/events', events));

    const db = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
    const stored = db.prepare(`SELECT id, COUNT(*) AS n FROM ${EVENTS_TABLE} WHERE visitor = ? GROUP BY id`).all(visitor) as { id: string; n: number }[];
    db.close();
    const storedIds = new Set(stored.map((s) => s.id));
    const doubled = stored.filter((s) => s.n > 1).length;
    const lost = [...acknowledged].filter((id) => !storedIds.has(id)).length;
    const unexpected = [...storedIds].filter((id) => !sent.has(id)).length;
    console.log(`\nevents: ${sent.size} distinct ids prepared, ${acknowledged.size} acknowledged (202), ${storedIds.size} stored; lost ${lost}, doubled ${doubled}, unexpected ${unexpected}`);
    console.log('(lost = acknowledged but not stored; doubled = one id stored twice. Requests still in flight when the run stops can be stored without their 202 being read.)');
    const flood = [];
    for (const plainNext of [false, true]) flood.push(await cookieFlood({ host: '127.0.0.1', plainNext, env: { TANDEM_DATA_DIR: dataDir, ADMIN_TOKEN: randomUUID() } }));
    if (values.before) flood.push(await cookieFlood({ host: '127.0.0.1', plainNext: true, cwd: values.before, env: { TANDEM_DATA_DIR: dataDir, ADMIN_TOKEN: randomUUID() } }));
    console.log(`\ncookie flood: home page p50 quiet → while one client loops a 3,500-cookie request (${FLOOD_SECONDS} s each, ${HOME_RATE} home pages/s)`);
    for (const f of flood)
      console.log(`  ${f.server.padEnd(32)} ${f.quietP50.toFixed(1).padStart(6)} → ${f.floodP50.toFixed(1).padStart(6)} ms (${f.ratio.toFixed(2)}x); flood requests ${f.floodRequests}, answered ${JSON.stringify(f.floodStatuses)}, median ${f.floodMedianMs.toFixed(1)} ms`);
    const slow = await slowReaders({ host: '127.0.0.1', env: { TANDEM_DATA_DIR: dataDir, ADMIN_TOKEN: randomUUID() } });
    console.log(
      `\nslow readers: ${SLOW_CLIENTS} clients ask for ${slow.file} (${(slow.bytes / 1e6).toFixed(1)} MB) and never read; home page p95 quiet → meanwhile ${slow.quietP95.toFixed(1)} → ${slow.loadedP95.toFixed(1)} ms (${slow.ratio.toFixed(2)}x, p50 ${slow.quietP50.toFixed(1)} → ${slow.loadedP50.toFixed(1)} ms, ${slow.loadedErrors} errors); ${slow.served} served (4 at a time per address), ${slow.busy} answered 503 after waiting for a slot, all ${slow.cutOff + slow.busy} closed by the server within ${slow.cutOffWithinS} s`,
    );
    const summary = {
      rate: RATE,
      seconds: SECONDS,
      rank: { requests: rank.requests.total, p50: rank.latency.p50, p99: rank.latency.p99, errors: rank.errors + rank.timeouts, non2xx: rank.non2xx },
      events: { requests: events.requests.total, p50: events.latency.p50, p99: events.latency.p99, errors: events.errors + events.timeouts, non2xx: events.non2xx },
      integrity: { sent: sent.size, acknowledged: acknowledged.size, stored: storedIds.size, lost, doubled, unexpected },
      cookieFlood: flood,
      slowReaders: slow,
    };
    console.log(JSON.stringify(summary));
    if (lost || doubled || unexpected || rank.errors || events.errors || flood[0]!.ratio > 2 || slow.ratio > 2 || slow.cutOff < slow.served) {
      process.exitCode = 1;
      console.error(`server log (tail):\n${server.log().slice(-3000)}`);
    }
  } finally {
    stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const FLOOD_SECONDS = 10;
const HOME_RATE = 10;
const COOKIE_BOMB = Array.from({ length: 3500 }, (_, i) => `${i.toString(36)}=`).join(';');

/** Home page p50 quiet, then while one client sends the cookie bomb back to back (one connection, no pause). */
async function cookieFlood(opts: NextServerOptions) {
  const s = await startNextServer(opts);
  try {
    const home = () => autocannon({ url: `${s.base}/`, connections: 2, overallRate: HOME_RATE, duration: FLOOD_SECONDS });
    await home(); // warm: the first renders compile nothing, but fill caches
    const quiet = await home();
    let running = true;
    const statuses: Record<string, number> = {};
    const times: number[] = [];
    const attacker = (async () => {
      while (running) {
        const t = performance.now();
        const res = await fetch(`${s.base}/api/rank?placement=home-for-you`, { headers: { cookie: COOKIE_BOMB } }).catch(() => null);
        await res?.arrayBuffer();
        times.push(performance.now() - t);
        statuses[res?.status ?? 'error'] = (statuses[res?.status ?? 'error'] ?? 0) + 1;
      }
    })();
    const flooded = await home();
    running = false;
    await attacker;
    times.sort((a, b) => a - b);
    return {
      server: opts.cwd ? `before: next start in ${opts.cwd}` : opts.plainNext ? 'next start (proxy.ts gate only)' : 'tandem server (gate before Next)',
      quietP50: quiet.latency.p50,
      floodP50: flooded.latency.p50,
      ratio: flooded.latency.p50 / Math.max(quiet.latency.p50, 0.1),
      floodRequests: times.length,
      floodStatuses: statuses,
      floodMedianMs: times[Math.floor(times.length / 2)] ?? 0,
    };
  } finally {
    s.stop();
  }
}

const SLOW_CLIENTS = 500;
const SLOW_ADDRESSES = 10;

/** The home page's latencies at `rate` a second for `seconds`, each request timed on its own. */
async function homeLatencies(base: string, seconds: number, rate: number): Promise<{ ms: number[]; errors: number; bySecond: number[][] }> {
  const ms: number[] = [];
  const bySecond: number[][] = Array.from({ length: seconds }, () => []);
  let errors = 0;
  const runs: Promise<void>[] = [];
  for (let i = 0; i < seconds * rate; i++) {
    runs.push(
      (async () => {
        const t = performance.now();
        const res = await fetch(`${base}/`).catch(() => null);
        const ok = res?.status === 200 && (await res.arrayBuffer().then(() => true, () => false));
        if (ok) ms.push(performance.now() - t);
        if (ok) bySecond[Math.floor(i / rate)]!.push(performance.now() - t);
        else errors++;
      })(),
    );
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await Promise.all(runs);
  for (const b of bySecond) b.sort((x, y) => x - y);
  return { ms: ms.sort((a, b) => a - b), errors, bySecond };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Home page p95 quiet, then while SLOW_CLIENTS ask for the largest static file and never read a byte. */
async function slowReaders(opts: NextServerOptions) {
  const s = await startNextServer(opts);
  const sockets: Socket[] = [];
  try {
    const dir = readdirSync('public/ort').find((d) => /^\d/.test(d))!;
    const biggest = readdirSync(`public/ort/${dir}`)
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => ({ path: `/ort/${dir}/${f}`, bytes: statSync(`public/ort/${dir}/${f}`).size }))
      .sort((a, b) => b.bytes - a.bytes)[0]!;
    const port = Number(new URL(s.base).port);
    await homeLatencies(s.base, 3, HOME_RATE); // warm
    const quiet = await homeLatencies(s.base, FLOOD_SECONDS, HOME_RATE);
    let busy = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: SLOW_CLIENTS }, (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % SLOW_ADDRESSES)}` });
          sockets.push(socket);
          socket.once('connect', () => {
            socket.write(`GET ${biggest.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
            resolve();
          });
          // Read the status line only (a 503: it waited for its address's slot too long), then never again: the
          // kernel's buffers fill and stay full.
          socket.once('data', (b: Buffer) => {
            if (b.subarray(0, 12).toString().includes(' 503')) busy++;
            socket.pause();
          });
          socket.on('error', () => resolve());
        }),
      ),
    );
    const loaded = await homeLatencies(s.base, FLOOD_SECONDS, HOME_RATE);
    // A client that never reads never sees the server's FIN: count the server's side of the connections instead
    // (ss), until none is left or 60 s have passed since they connected.
    const open = () => {
      const out = execFileSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
      return out.split('\n').filter((l) => /127\.0\.0\.(\d+):\d+\s*$/.test(l.trim()) && !/127\.0\.0\.1:\d+\s*$/.test(l.trim())).length;
    };
    let left = open();
    while (left > 0 && performance.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 1000));
      left = open();
    }
    const cutOffWithinS = Math.ceil((performance.now() - started) / 1000);
    const cutOff = SLOW_CLIENTS - busy - left;
    const quietP95 = quantile(quiet.ms, 0.95);
    const loadedP95 = quantile(loaded.ms, 0.95);
    return {
      file: biggest.path,
      bytes: biggest.bytes,
      quietP50: quantile(quiet.ms, 0.5),
      quietP95,
      loadedP50: quantile(loaded.ms, 0.5),
      loadedP95,
      loadedErrors: loaded.errors,
      ratio: loadedP95 / Math.max(quietP95, 0.1),
      served: SLOW_CLIENTS - busy,
      busy,
      cutOff,
      cutOffWithinS,
      loadedBySecond: Array.from({ length: FLOOD_SECONDS }, (_, k) => Math.round(quantile(loaded.bySecond[k] ?? [], 0.95))),
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    s.stop();
  }
}

if (values['slow-only']) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-load-'));
  console.log(JSON.stringify(await slowReaders({ host: '127.0.0.1', env: { TANDEM_DATA_DIR: dataDir, ADMIN_TOKEN: randomUUID() } })));
  rmSync(dataDir, { recursive: true, force: true });
} else await main();
