/**
 * The events store: one interface, two implementations (SQLite by default, PostgreSQL when
 * DATABASE_URL is set). The SQL here is the shared dialect both speak, so the dashboard's numbers
 * mean the same thing on a laptop and in production.
 */
import type { ShelfState } from '../experiments/holdback';
import type { LeftOutReason, OrderLine, RefusalReason, StoredEvent } from './schema';

export interface InsertResult {
  accepted: number;
  duplicates: number;
}

/**
 * The sums the readout needs over an arm's exposed visitors, each the product of the (capped) per-visitor
 * rollup columns it names, summed in double precision: every metric's mean, ratio and variance in
 * lib/experiments/report.ts is built from these. The ArmSums type, the query's columns, the row type and the
 * assembly all derive from this table. Money in pence.
 */
export const ARM_SUMS = {
  exposures: ['exposures'],
  clicks: ['clicks'],
  exposuresSq: ['exposures', 'exposures'],
  clicksSq: ['clicks', 'clicks'],
  exposuresClicks: ['exposures', 'clicks'],
  fallbacks: ['fallbacks'],
  fallbacksSq: ['fallbacks', 'fallbacks'],
  fallbacksExposures: ['fallbacks', 'exposures'],
  added: ['added'],
  purchased: ['purchased'],
  revenuePence: ['revenue_pence'],
  revenuePenceSq: ['revenue_pence', 'revenue_pence'],
  recRevenuePence: ['rec_revenue_pence'],
  recRevenuePenceSq: ['rec_revenue_pence', 'rec_revenue_pence'],
  deviceRanked: ['device_ranked'],
  deviceRankedSq: ['device_ranked', 'device_ranked'],
  rankMs: ['rank_ms'],
  rankMsSq: ['rank_ms', 'rank_ms'],
  deviceRankedRankMs: ['device_ranked', 'rank_ms'],
} as const satisfies Record<string, readonly (keyof typeof ROLLUP_COLUMNS)[]>;
export type SumName = keyof typeof ARM_SUMS;
export const SUM_NAMES = Object.keys(ARM_SUMS) as SumName[];

/** One arm's sums over its exposed visitors (from the per-visitor rollup). */
export type ArmSums = { variant: string; visitors: number; /** The earliest first exposure (ms): when the arm's traffic began. */ firstAt: number } & Record<SumName, number>;

/** A sum's column in the query: snake case, which both dialects return as written. */
const column = (name: SumName) => `s_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

/**
 * Every metric is capped per visitor before it is summed, so a handful of visitors cannot decide a readout
 * (issues 24 and 34). Each cap is CAP_RULE.headroom times the CAP_RULE.percentile of the experiment's visitors,
 * pooled over its arms (a cap that depends on no arm cannot favour one), nearest rank below:
 *   exposures  of the visitors' shelf views: a ratio metric weighs a visitor by their views, and a bot's
 *              hundred page views would otherwise outweigh a hundred shoppers;
 *   clicks     of the visitors' clicks (never below CAP_RULE.clicksFloor), and at most the capped views: an
 *              id that clicks every view it is shown would otherwise add thirty clicks where a shopper adds one;
 *   revenue    of the purchasers' revenue.
 * Why the 90th percentile and not the 99th (issue 24's): attackers' own rows set a 99th percentile as soon as
 * they are one visitor in a hundred (20 ids among 520 visitors moved the views cap from 12 to 150, and the
 * click-through of the arm they favoured from 6% to 51%). A 90th percentile moves only when one party holds a
 * tenth of an experiment's visitors, and three times it cuts almost no honest visitor (a shopper's views and
 * clicks vary far less than that across the bulk). lib/experiments/steering.test.ts replays the attacks through this code.
 * Sums are taken in double precision: a sum of squares of int64s overflows SQLite's integer SUM (three
 * maximal orders did), a double's range is 1e308, and it is exact to 2^53 pence.
 */
export const CAP_RULE = { percentile: 0.9, headroom: 3, clicksFloor: 2 } as const;
/**
 * One exposure's device ranking time counts at most this (ms): the device measures it, so one visitor cannot
 * push an arm's mean far (a slow phone's real first ranking stays well under it).
 */
export const RANK_MS_CAP = 10_000;

/** The rank (0-based, ascending) of the value a cap is set from among `n` values. */
export const capRank = (n: number): number => Math.max(0, Math.floor((n - 1) * CAP_RULE.percentile));

/** The cap from the value at capRank (null: nothing to cap yet). */
export const capFrom = (bulk: number | null, floor = 0): number | null => (bulk === null ? null : Math.max(floor, Math.ceil(CAP_RULE.headroom * bulk)));

/** What the caps left out of an experiment's sums. */
export interface Capped {
  /** The per-visitor revenue cap in pence (null: no purchaser yet). */
  revenueCapPence: number | null;
  revenueCappedVisitors: number;
  /** The per-visitor exposures cap (null: no visitor yet), from the visitors' exposures. */
  exposuresCap: number | null;
  exposuresCappedVisitors: number;
  /** The per-visitor clicks cap (null: no visitor yet), from the visitors' clicks; a visitor's capped views bound it too. */
  clicksCap: number | null;
  clicksCappedVisitors: number;
}

/** Visitors whose events are stored but whom the readout leaves out, and why (lib/events/schema.ts). */
export interface LeftOut {
  reason: LeftOutReason;
  visitors: number;
  events: number;
}

/** Events refused at the door since a day, and why: the readout never saw them. */
export interface Refused {
  reason: RefusalReason;
  requests: number;
  events: number;
}

/** An experiment's sums, per variant and per UTC day of the visitors' first exposure, after the per-visitor caps. */
export interface ExperimentCounts {
  byDay: (ArmSums & { day: number })[];
  /** Absent in hand-built counts (tests); the stores always say. */
  capped?: Capped;
  leftOut?: LeftOut[];
  /** Refused since the day of the experiment's first exposure. */
  refused?: Refused[];
}

/**
 * Admin sessions, kept beside the events so every server instance sees a logout at once. Rows hold
 * digests only (of the session id and of the admin token it was opened with), never a usable secret.
 */
export interface AdminSessions {
  open(session: { idHash: string; tokenHash: string; expiresAt: number }, now: number): Promise<void>;
  /** True while the session exists, has not expired, and was opened with the current token. */
  alive(idHash: string, tokenHash: string, now: number): Promise<boolean>;
  end(idHash: string): Promise<void>;
}

/**
 * The shelves' health log: one row per shelf and epoch, never rewritten, so it is the log the dashboard shows and
 * its newest row per shelf is the shelf's state. (placement, epoch) is the key: two servers moving a shelf at once
 * write one row, the other's is dropped.
 */
export interface HealthLog {
  /** Every shelf's newest row. */
  states(): Promise<ShelfState[]>;
  /** Adds a shelf's next epoch; false when another writer added it first. */
  move(state: ShelfState): Promise<boolean>;
  /** The newest rows first, at most `limit`. */
  history(limit: number): Promise<ShelfState[]>;
}

/** One change the dashboard's editor (or its API) made to an experiment: when, by whom, what, and the diff. */
export interface ConfigChange {
  at: number;
  /** 'dashboard' (a signed-in session) or 'api' (the admin token as Bearer). */
  actor: string;
  experiment: string;
  /** 'create', 'update', 'start', 'pause', 'stop', 'ramp'. */
  action: string;
  /** What changed, leaf by leaf (lib/experiments/edit.ts diff). */
  changes: { path: string; from: unknown; to: unknown }[];
  /** Where it was written, and the revision it made there. */
  where: string;
  revision: string;
}

/** The editor's change log, kept beside the events (every instance sees it), newest first when read. */
export interface ConfigLog {
  add(change: ConfigChange): Promise<void>;
  list(limit: number, experiment?: string): Promise<ConfigChange[]>;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly sessions: AdminSessions;
  readonly configLog: ConfigLog;
  /** Stores new events; an id already stored is a duplicate and changes nothing. */
  insert(events: StoredEvent[]): Promise<InsertResult>;
  /** Reads the per-visitor rollup kept on ingest: one indexed GROUP BY, never a scan of raw events. */
  experimentCounts(experiment: string): Promise<ExperimentCounts>;
  /** The experiments a visitor has entered (been exposed in): counted there (null) or left out (why). */
  entered(visitor: string): Promise<Map<string, LeftOutReason | null>>;
  /** How many events of each type are stored (tests, the load script). */
  countByType(): Promise<Record<string, number>>;
  /** Every stored order with its lines, oldest first: what training joins to the purchase log (`--with-store-orders`). */
  orders(): Promise<StoreOrder[]>;
  /** A page's shelf views and clicks since `since` (ms), summed per visitor: the editor's planner (lib/experiments/planner.ts). */
  pageTraffic(placements: readonly string[], since: number): Promise<{ visitors: number; exposures: number; clicks: number; exposuresSq: number; clicksSq: number; exposuresClicks: number; firstAt: number | null }>;
  /** The model shelves' standing holdbacks (lib/experiments/health.ts): each shelf's epochs, newest last. */
  readonly health: HealthLog;
  /** Tallies events refused at the door (one request's worth), for the readouts. */
  recordRefused(refused: { reason: RefusalReason; events: number }[], now: number): Promise<void>;
  close(): Promise<void>;
}

/** An order the store recorded: its lines (product codes the server checked and priced), whose, and when. */
export interface StoreOrder {
  id: string;
  visitor: string;
  /** Milliseconds since the epoch, on the device's clock (checked to within a day of the server's on arrival). */
  at: number;
  /** When the server received it: the only time of it the server knows. */
  receivedAt: number;
  lines: OrderLine[];
  /** Set when the visitor is one the readouts leave out (an id minted over its address's allowance): training leaves the order out too. */
  leftOut?: LeftOutReason;
}

/** The stored orders query (both dialects). */
export const ordersSql = (table: string) => `SELECT id, visitor, at, received_at, lines, left_out FROM ${table} WHERE type = 'purchase' AND lines IS NOT NULL ORDER BY at, id`;

/** A stored order row into a StoreOrder (PostgreSQL returns BIGINT as a string; lines are JSON text in both). */
export function orderOf(r: { id: string; visitor: string; at: number | string; received_at: number | string; lines: string; left_out: string | null }): StoreOrder {
  return { id: r.id, visitor: r.visitor, at: Number(r.at), receivedAt: Number(r.received_at), lines: JSON.parse(r.lines) as OrderLine[], ...(r.left_out ? { leftOut: r.left_out as LeftOutReason } : {}) };
}

export const DAY_MS = 86_400_000;
/**
 * The events table. `events_v2` since the readout moved to visitors: the first table held a product code on
 * every event and no order lines, and is left as it was, not read.
 */
export const EVENTS_TABLE = 'events_v2';

/**
 * A table's columns, each defined once: its SQL type, and (`added`) whether it came after the table was first
 * created, so a store opened on an older database adds it. The insert's column list, its row, the CREATE TABLE
 * and the added columns all derive from these (adding the device's ranking time once touched nine places).
 */
interface Column<T> {
  type: string;
  added?: true;
  /** The stored value, for a table written row by row. */
  of?: (row: T) => string | number | null;
}

/** The raw events table: one row per stored event (the audit trail). */
const EVENT_COLUMNS = {
  id: { type: 'TEXT PRIMARY KEY', of: (e) => e.id },
  type: { type: 'TEXT NOT NULL', of: (e) => e.type },
  experiment: { type: 'TEXT', of: (e) => e.experiment },
  variant: { type: 'TEXT', of: (e) => e.variant },
  placement: { type: 'TEXT', of: (e) => e.placement },
  position: { type: 'INTEGER', of: (e) => e.position ?? null },
  lines: { type: 'TEXT', of: (e) => (e.lines ? JSON.stringify(e.lines) : null) },
  revenue_pence: { type: 'BIGINT', of: (e) => e.revenuePence ?? null },
  at: { type: 'BIGINT NOT NULL', of: (e) => e.at },
  visitor: { type: 'TEXT NOT NULL', of: (e) => e.visitor },
  received_at: { type: 'BIGINT NOT NULL', of: (e) => e.receivedAt },
  source: { type: 'TEXT', of: (e) => e.source ?? null },
  model_version: { type: 'TEXT', of: (e) => e.modelVersion ?? null },
  rank_ms: { type: 'BIGINT', added: true, of: (e) => e.rankMs ?? null },
  left_out: { type: 'TEXT', added: true, of: (e) => e.leftOut ?? null },
  holdback: { type: 'TEXT', added: true, of: (e) => e.holdback?.experiment ?? null },
  holdback_arm: { type: 'TEXT', added: true, of: (e) => e.holdback?.arm ?? null },
  holdback_left_out: { type: 'TEXT', added: true, of: (e) => e.holdback?.leftOut ?? null },
} satisfies Record<string, Column<StoredEvent>>;

/** The per-visitor rollup (`<table>_exposed`): one row per experiment and exposed visitor, its quantities kept on ingest. */
const ROLLUP_COLUMNS = {
  experiment: { type: 'TEXT NOT NULL' },
  visitor: { type: 'TEXT NOT NULL' },
  variant: { type: 'TEXT NOT NULL' },
  first_at: { type: 'BIGINT NOT NULL' },
  exposures: { type: 'BIGINT NOT NULL DEFAULT 0' },
  clicks: { type: 'BIGINT NOT NULL DEFAULT 0' },
  fallbacks: { type: 'BIGINT NOT NULL DEFAULT 0' },
  added: { type: 'INTEGER NOT NULL DEFAULT 0' },
  purchased: { type: 'INTEGER NOT NULL DEFAULT 0' },
  revenue_pence: { type: 'BIGINT NOT NULL DEFAULT 0' },
  rec_revenue_pence: { type: 'BIGINT NOT NULL DEFAULT 0' },
  device_ranked: { type: 'BIGINT NOT NULL DEFAULT 0', added: true },
  rank_ms: { type: 'BIGINT NOT NULL DEFAULT 0', added: true },
} satisfies Record<string, Column<never>>;

/** The shelves' health log (HealthLog). */
const HEALTH_COLUMNS = {
  placement: { type: 'TEXT NOT NULL', of: (h) => h.placement },
  epoch: { type: 'INTEGER NOT NULL', of: (h) => h.epoch },
  mode: { type: 'TEXT NOT NULL', of: (h) => h.mode },
  version: { type: 'TEXT NOT NULL', of: (h) => h.version },
  share: { type: 'DOUBLE PRECISION NOT NULL', of: (h) => h.share },
  since: { type: 'BIGINT NOT NULL', of: (h) => h.since },
  reason: { type: 'TEXT NOT NULL', of: (h) => h.reason },
} satisfies Record<string, Column<ShelfState>>;
const HEALTH_NAMES = Object.keys(HEALTH_COLUMNS) as (keyof typeof HEALTH_COLUMNS)[];

/** The health log's statements; `p(n)` as in experimentSql. */
export function healthSql(table: string, p: (n: number) => string) {
  const t = `${table}_health`;
  const cols = HEALTH_NAMES.join(', ');
  return {
    states: `SELECT ${cols} FROM ${t} h WHERE epoch = (SELECT MAX(epoch) FROM ${t} x WHERE x.placement = h.placement) ORDER BY placement`,
    move: `INSERT INTO ${t} (${cols}) VALUES (${HEALTH_NAMES.map((_, i) => p(i + 1)).join(', ')}) ON CONFLICT (placement, epoch) DO NOTHING`,
    history: `SELECT ${cols} FROM ${t} ORDER BY since DESC, placement LIMIT ${p(1)}`,
  };
}

/**
 * The planner's query: per counted visitor, the distinct shelf views and clicks on the given placements since `since`
 * (a view in two experiments is sent as two events: counted once), then the sums the ratio estimate needs.
 * `p(n)`: as in experimentSql; placements take $2 onwards. A scan of the window's raw events: the planner is read
 * when an experiment is edited, not per request.
 */
export function pageTrafficSql(table: string, p: (n: number) => string, placements: number) {
  const list = Array.from({ length: placements }, (_, i) => p(i + 2)).join(', ');
  const one = `placement || ':' || CAST(at AS TEXT)`;
  return `SELECT COUNT(*) AS n, SUM(e) AS e, SUM(c) AS c, SUM(e * e) AS ee, SUM(c * c) AS cc, SUM(e * c) AS ec, MIN(f) AS f FROM (
      SELECT visitor, COUNT(DISTINCT CASE WHEN type = 'exposure' THEN ${one} END) AS e, COUNT(DISTINCT CASE WHEN type = 'click' THEN ${one} END) AS c, MIN(at) AS f
      FROM ${table} WHERE at >= ${p(1)} AND placement IN (${list}) AND left_out IS NULL AND type IN ('exposure', 'click') GROUP BY visitor) v WHERE e > 0`;
}
export function pageTrafficOf(r: Record<string, unknown> | undefined) {
  const n = (v: unknown) => Number(v ?? 0);
  return { visitors: n(r?.n), exposures: n(r?.e), clicks: n(r?.c), exposuresSq: n(r?.ee), clicksSq: n(r?.cc), exposuresClicks: n(r?.ec), firstAt: r?.f === null || r?.f === undefined ? null : Number(r.f) };
}

/** The change log's statements; `p(n)` as in experimentSql. */
export function configLogSql(table: string, p: (n: number) => string) {
  const t = `${table}_config_log`;
  const cols = 'at, actor, experiment, action, changes, location, revision';
  return {
    add: `INSERT INTO ${t} (${cols}) VALUES (${[1, 2, 3, 4, 5, 6, 7].map(p).join(', ')})`,
    all: `SELECT ${cols} FROM ${t} ORDER BY at DESC LIMIT ${p(1)}`,
    of: `SELECT ${cols} FROM ${t} WHERE experiment = ${p(2)} ORDER BY at DESC LIMIT ${p(1)}`,
  };
}
export const configLogRow = (c: ConfigChange): (string | number)[] => [c.at, c.actor, c.experiment, c.action, JSON.stringify(c.changes), c.where, c.revision];
export function configChangeOf(r: Record<string, unknown>): ConfigChange {
  return { at: Number(r.at), actor: String(r.actor), experiment: String(r.experiment), action: String(r.action), changes: JSON.parse(String(r.changes)) as ConfigChange['changes'], where: String(r.location), revision: String(r.revision) };
}

export const healthRow = (h: ShelfState): (string | number)[] => HEALTH_NAMES.map((c) => HEALTH_COLUMNS[c].of(h));

/** A health row as read back (PostgreSQL returns BIGINT as a string). */
export function healthOf(r: Record<string, unknown>): ShelfState {
  return { placement: r.placement as ShelfState['placement'], epoch: Number(r.epoch), mode: r.mode as ShelfState['mode'], version: String(r.version), share: Number(r.share), since: Number(r.since), reason: String(r.reason) };
}

export const COLUMNS = Object.keys(EVENT_COLUMNS) as (keyof typeof EVENT_COLUMNS)[];

export function rowOf(e: StoredEvent): (string | number | null)[] {
  return COLUMNS.map((c) => EVENT_COLUMNS[c].of(e));
}

const columnsSql = (columns: Record<string, Column<never> | Column<StoredEvent>>) =>
  Object.entries(columns)
    .map(([name, c]) => `${name} ${c.type}`)
    .join(', ');

/**
 * Columns added after a table was first created: a store opened on an older database adds them (SQLite has no
 * ADD COLUMN IF NOT EXISTS, so each store checks its own way). Existing rows read the default.
 */
export function addedColumns(table: string): { table: string; column: string; type: string }[] {
  const added = (t: string, columns: Record<string, Column<never> | Column<StoredEvent>>) =>
    Object.entries(columns)
      .filter(([, c]) => c.added)
      .map(([column, c]) => ({ table: t, column, type: c.type }));
  return [...added(table, EVENT_COLUMNS), ...added(`${table}_exposed`, ROLLUP_COLUMNS)];
}

/**
 * Raw events (the audit trail; no product codes except an order's lines) and the per-visitor rollup the
 * readout reads: one row per experiment and exposed visitor, updated as each new event is stored.
 */
export function schemaSql(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (${columnsSql(EVENT_COLUMNS)})`,
    `CREATE INDEX IF NOT EXISTS ${table}_experiment ON ${table} (experiment, type)`,
    `CREATE TABLE IF NOT EXISTS ${table}_exposed (${columnsSql(ROLLUP_COLUMNS)}, PRIMARY KEY (experiment, visitor))`,
    `CREATE INDEX IF NOT EXISTS ${table}_exposed_visitor ON ${table}_exposed (visitor, first_at)`,
    // Visitors the readout leaves out (LeftOutReason), one row per experiment they were exposed to, with their event count.
    `CREATE TABLE IF NOT EXISTS ${table}_left_out (
      experiment TEXT NOT NULL, visitor TEXT NOT NULL, reason TEXT NOT NULL, variant TEXT NOT NULL, events BIGINT NOT NULL DEFAULT 0,
      PRIMARY KEY (experiment, visitor))`,
    `CREATE INDEX IF NOT EXISTS ${table}_left_out_visitor ON ${table}_left_out (visitor)`,
    `CREATE TABLE IF NOT EXISTS ${table}_refused (reason TEXT NOT NULL, day BIGINT NOT NULL, requests BIGINT NOT NULL DEFAULT 0, events BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (reason, day))`,
    `CREATE TABLE IF NOT EXISTS ${table}_health (${columnsSql(HEALTH_COLUMNS)}, PRIMARY KEY (placement, epoch))`,
    `CREATE TABLE IF NOT EXISTS ${table}_config_log (at BIGINT NOT NULL, actor TEXT NOT NULL, experiment TEXT NOT NULL, action TEXT NOT NULL, changes TEXT NOT NULL, location TEXT NOT NULL, revision TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${table}_config_log_at ON ${table}_config_log (experiment, at)`,
    `CREATE TABLE IF NOT EXISTS ${table}_admin_sessions (id_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
  ];
}

/**
 * The rollup's statements, one per event type; `p(n)` as in experimentSql, `least` the dialect's two-argument
 * minimum. Outcomes (add-to-cart, orders) count for every experiment the visitor was exposed to before them.
 */
export function rollupSql(table: string, p: (n: number) => string, least: string) {
  const t = `${table}_exposed`;
  const lo = `${table}_left_out`;
  return {
    exposure: `INSERT INTO ${t} (experiment, visitor, variant, first_at, exposures, fallbacks, device_ranked, rank_ms) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 1, ${p(5)}, ${p(6)}, ${p(7)})
      ON CONFLICT (experiment, visitor) DO UPDATE SET exposures = ${t}.exposures + 1, fallbacks = ${t}.fallbacks + excluded.fallbacks,
        device_ranked = ${t}.device_ranked + excluded.device_ranked, rank_ms = ${t}.rank_ms + excluded.rank_ms, first_at = ${least}(${t}.first_at, excluded.first_at)`,
    click: `UPDATE ${t} SET clicks = clicks + 1 WHERE experiment = ${p(1)} AND visitor = ${p(2)}`,
    added: `UPDATE ${t} SET added = 1 WHERE visitor = ${p(1)} AND first_at <= ${p(2)}`,
    purchase: `UPDATE ${t} SET purchased = 1, revenue_pence = revenue_pence + ${p(1)}, rec_revenue_pence = rec_revenue_pence + ${p(2)} WHERE visitor = ${p(3)} AND first_at <= ${p(4)}`,
    leftOutExposure: `INSERT INTO ${lo} (experiment, visitor, reason, variant, events) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 1)
      ON CONFLICT (experiment, visitor) DO UPDATE SET events = ${lo}.events + 1`,
    leftOutClick: `UPDATE ${lo} SET events = events + 1 WHERE experiment = ${p(1)} AND visitor = ${p(2)}`,
    leftOutOutcome: `UPDATE ${lo} SET events = events + 1 WHERE visitor = ${p(1)}`,
    refused: `INSERT INTO ${table}_refused (reason, day, requests, events) VALUES (${p(1)}, ${p(2)}, 1, ${p(3)})
      ON CONFLICT (reason, day) DO UPDATE SET requests = ${table}_refused.requests + 1, events = ${table}_refused.events + excluded.events`,
  };
}

/**
 * The rollup updates one new event makes, as [statement, parameters]: its experiment's, and its shelf's holdback's
 * (a second readout the same exposure or click counts in; outcomes already count in every readout the visitor entered).
 */
export function rollupUpdates(e: StoredEvent, sql: ReturnType<typeof rollupSql>): [string, (string | number)[]][] {
  const own = experimentUpdates(e, sql);
  const hb = e.holdback;
  if (!hb || (e.type !== 'exposure' && e.type !== 'click')) return own;
  return [...own, ...experimentUpdates({ ...e, experiment: hb.experiment, variant: hb.arm, leftOut: e.leftOut ?? hb.leftOut }, sql)];
}

function experimentUpdates(e: StoredEvent, sql: ReturnType<typeof rollupSql>): [string, (string | number)[]][] {
  // A visitor the readouts leave out: counted apart, so the readout can say how many and how much.
  if (e.leftOut) {
    switch (e.type) {
      case 'exposure':
        return e.experiment && e.variant ? [[sql.leftOutExposure, [e.experiment, e.visitor, e.leftOut, e.variant]]] : [];
      case 'click':
        return e.experiment ? [[sql.leftOutClick, [e.experiment, e.visitor]]] : [];
      default:
        return [[sql.leftOutOutcome, [e.visitor]]];
    }
  }
  switch (e.type) {
    case 'exposure':
      return e.experiment && e.variant ? [[sql.exposure, [e.experiment, e.visitor, e.variant, e.at, e.fallback ? 1 : 0, e.rankMs === undefined ? 0 : 1, Math.min(e.rankMs ?? 0, RANK_MS_CAP)]]] : [];
    case 'click':
      return e.experiment ? [[sql.click, [e.experiment, e.visitor]]] : [];
    case 'add-to-cart':
      return [[sql.added, [e.visitor, e.at]]];
    case 'purchase':
      return [[sql.purchase, [e.revenuePence ?? 0, e.recRevenuePence ?? 0, e.visitor, e.at]]];
  }
}

/** The sessions' statements; `p(n)` as in experimentSql. Opening a session also clears the expired ones. */
export function sessionSql(table: string, p: (n: number) => string) {
  const t = `${table}_admin_sessions`;
  return {
    purge: `DELETE FROM ${t} WHERE expires_at <= ${p(1)}`,
    open: `INSERT INTO ${t} (id_hash, token_hash, expires_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
    alive: `SELECT 1 AS ok FROM ${t} WHERE id_hash = ${p(1)} AND token_hash = ${p(2)} AND expires_at > ${p(3)}`,
    end: `DELETE FROM ${t} WHERE id_hash = ${p(1)}`,
  };
}

/** The readout's query (one GROUP BY over the rollup) and the event count; `p(n)` writes the n-th placeholder in the store's dialect. */
export function experimentSql(table: string, p: (n: number) => string, least: string) {
  const t = `${table}_exposed`;
  // Each visitor's row with its caps applied ($2: the revenue cap in pence, $3: the exposures cap, $4: the clicks
  // cap), and whether a cap cut it; the sums read only this, so one scan gives the sums and the cut counts. Clicks
  // and fallbacks are at most the capped exposures (each is one per exposure at most), clicks at most their own cap.
  const shown = `${least}(exposures, ${p(3)})`;
  const clicked = `${least}(clicks, ${shown}, ${p(4)})`;
  // A visitor's device rankings count at most their capped exposures too, their ranking time in proportion.
  const ranked = `${least}(device_ranked, ${shown})`;
  const capped = `SELECT variant, first_at, ${shown} AS exposures, ${clicked} AS clicks, ${least}(fallbacks, ${shown}) AS fallbacks, added, purchased,
      ${ranked} AS device_ranked, CASE WHEN device_ranked > ${shown} THEN rank_ms * 1.0 * ${shown} / device_ranked ELSE rank_ms END AS rank_ms,
      ${least}(revenue_pence, ${p(2)}) AS revenue_pence, ${least}(rec_revenue_pence, ${p(2)}) AS rec_revenue_pence,
      CASE WHEN revenue_pence > ${p(2)} THEN 1 ELSE 0 END AS revenue_cut, CASE WHEN exposures > ${p(3)} THEN 1 ELSE 0 END AS exposures_cut,
      CASE WHEN clicks > ${clicked} THEN 1 ELSE 0 END AS clicks_cut
    FROM ${t} WHERE experiment = ${p(1)}`;
  return {
    arms: `SELECT variant, first_at / ${DAY_MS} AS day, COUNT(*) AS visitors,
        ${SUM_NAMES.map((k) => `SUM(${ARM_SUMS[k].map((c) => `CAST(${c} AS DOUBLE PRECISION)`).join(' * ')}) AS ${column(k)}`).join(', ')},
        MIN(first_at) AS first_at, SUM(revenue_cut) AS cut_revenue, SUM(exposures_cut) AS cut_exposures, SUM(clicks_cut) AS cut_clicks
      FROM (${capped}) v GROUP BY variant, first_at / ${DAY_MS}`,
    purchasers: `SELECT COUNT(*) AS n FROM ${t} WHERE experiment = ${p(1)} AND revenue_pence > 0`,
    /** The purchasers' revenue at a rank ($2, ascending). */
    revenueAt: `SELECT revenue_pence AS v FROM ${t} WHERE experiment = ${p(1)} AND revenue_pence > 0 ORDER BY revenue_pence LIMIT 1 OFFSET ${p(2)}`,
    visitors: `SELECT COUNT(*) AS n FROM ${t} WHERE experiment = ${p(1)}`,
    /** The visitors' exposures at a rank ($2, ascending). */
    exposuresAt: `SELECT exposures AS v FROM ${t} WHERE experiment = ${p(1)} ORDER BY exposures LIMIT 1 OFFSET ${p(2)}`,
    /** The visitors' clicks at a rank ($2, ascending). */
    clicksAt: `SELECT clicks AS v FROM ${t} WHERE experiment = ${p(1)} ORDER BY clicks LIMIT 1 OFFSET ${p(2)}`,
    leftOut: `SELECT reason, COUNT(*) AS visitors, SUM(events) AS events FROM ${table}_left_out WHERE experiment = ${p(1)} GROUP BY reason ORDER BY reason`,
    /** Refused since a day ($1, ms). */
    refused: `SELECT reason, SUM(requests) AS requests, SUM(events) AS events FROM ${table}_refused WHERE day >= ${p(1)} GROUP BY reason ORDER BY reason`,
    byType: `SELECT type, COUNT(*) AS n FROM ${table} GROUP BY type`,
    /** The experiments a visitor ($1) has entered, counted (reason NULL) or left out. */
    entered: `SELECT experiment, NULL AS reason FROM ${t} WHERE visitor = ${p(1)} UNION ALL SELECT experiment, reason FROM ${table}_left_out WHERE visitor = ${p(1)}`,
  };
}

/**
 * An experiment's capped counts through a store's query function (both dialects): the caps first (a count, then
 * the value at the cap's rank, for revenue among purchasers, for exposures and clicks among visitors), then the sums and
 * what the caps cut in one query, then who was left out and what was refused since its first exposure.
 */
export async function cappedCounts(sql: ReturnType<typeof experimentSql>, query: <R>(text: string, params: (string | number)[]) => Promise<R[]>, experiment: string): Promise<ExperimentCounts> {
  const capAt = async (count: string, at: string) => {
    const [c] = await query<{ n: Num }>(count, [experiment]);
    const n = Number(c?.n ?? 0);
    const [v] = n > 0 ? await query<{ v: Num }>(at, [experiment, capRank(n)]) : [];
    return v ? Number(v.v) : null;
  };
  const revenueCap = capFrom(await capAt(sql.purchasers, sql.revenueAt));
  const exposuresCap = capFrom(await capAt(sql.visitors, sql.exposuresAt));
  const clicksCap = capFrom(await capAt(sql.visitors, sql.clicksAt), CAP_RULE.clicksFloor);
  // No purchaser (no visitor): nothing to cap (a cap of 0 would be the same, and say something false).
  const none = Number.MAX_SAFE_INTEGER;
  const rows = await query<ArmRow>(sql.arms, [experiment, revenueCap ?? none, exposuresCap ?? none, clicksCap ?? none]);
  const cut = (k: 'cut_revenue' | 'cut_exposures' | 'cut_clicks') => rows.reduce((a, r) => a + Number(r[k] ?? 0), 0);
  const counts = assembleCounts(rows);
  const leftOut = (await query<{ reason: LeftOutReason; visitors: Num; events: Num }>(sql.leftOut, [experiment])).map((r) => ({ reason: r.reason, visitors: Number(r.visitors), events: Number(r.events ?? 0) }));
  // Since the day the experiment's counted traffic began (all the tally, before any).
  const since = counts.byDay.length > 0 ? Math.min(...counts.byDay.map((r) => r.day)) : 0;
  const refused = (await query<{ reason: RefusalReason; requests: Num; events: Num }>(sql.refused, [since])).map((r) => ({ reason: r.reason, requests: Number(r.requests), events: Number(r.events) }));
  return {
    ...counts,
    capped: { revenueCapPence: revenueCap, revenueCappedVisitors: cut('cut_revenue'), exposuresCap, exposuresCappedVisitors: cut('cut_exposures'), clicksCap, clicksCappedVisitors: cut('cut_clicks') },
    leftOut,
    refused,
  };
}

/** The entered query's rows as a map (a counted row wins over a left-out one: the readout counts it). */
export function enteredOf(rows: { experiment: string; reason: LeftOutReason | null }[]): Map<string, LeftOutReason | null> {
  const out = new Map<string, LeftOutReason | null>();
  for (const r of rows) if (!out.has(r.experiment) || r.reason === null) out.set(r.experiment, r.reason);
  return out;
}

/** The day (ms, UTC midnight) an instant falls in: the refused tally's key. */
export const dayOf = (at: number) => Math.floor(at / DAY_MS) * DAY_MS;

type Num = number | string | bigint | null;
export type ArmRow = { variant: string; day: Num; visitors: Num; first_at: Num } & Record<string, Num>;

/** Both dialects' rows into the readout's shape (PostgreSQL returns sums as strings). */
export function assembleCounts(rows: ArmRow[]): Pick<ExperimentCounts, 'byDay'> {
  const n = (v: Num | undefined) => Number(v ?? 0);
  return {
    byDay: rows.map((r) => ({
      variant: r.variant,
      day: n(r.day) * DAY_MS,
      visitors: n(r.visitors),
      ...(Object.fromEntries(SUM_NAMES.map((k) => [k, n(r[column(k)])])) as Record<SumName, number>),
      firstAt: n(r.first_at),
    })),
  };
}
