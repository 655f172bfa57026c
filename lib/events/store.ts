/**
 * The events store: one interface, two implementations (SQLite by default, PostgreSQL when
 * DATABASE_URL is set). The SQL here is the shared dialect both speak, so the dashboard's numbers
 * mean the same thing on a laptop and in production.
 */
import type { StoredEvent } from './schema';

export interface InsertResult {
  accepted: number;
  duplicates: number;
}

export interface VariantCounts {
  variant: string;
  exposures: number;
  exposedVisitors: number;
  clicks: number;
  /** Visitors who added to cart / bought after their first exposure to this variant. */
  addToCartVisitors: number;
  purchaseVisitors: number;
}

export interface SeriesPoint {
  /** Start of the hour, ms since the epoch. */
  hour: number;
  variant: string;
  exposures: number;
  clicks: number;
}

export interface ExperimentCounts {
  variants: VariantCounts[];
  hourly: SeriesPoint[];
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

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly sessions: AdminSessions;
  /** Stores new events; an id already stored is a duplicate and changes nothing. */
  insert(events: StoredEvent[]): Promise<InsertResult>;
  experimentCounts(experiment: string): Promise<ExperimentCounts>;
  /** How many events of each type are stored (tests, the load script). */
  countByType(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export const HOUR_MS = 3_600_000;

export const COLUMNS = ['id', 'type', 'experiment', 'variant', 'placement', 'sku', 'at', 'visitor', 'received_at', 'source', 'model_version'] as const;

export function rowOf(e: StoredEvent): (string | number | null)[] {
  return [e.id, e.type, e.experiment, e.variant, e.placement, e.sku, e.at, e.visitor, e.receivedAt, e.source ?? null, e.modelVersion ?? null];
}

export function schemaSql(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, experiment TEXT, variant TEXT, placement TEXT, sku TEXT,
      at BIGINT NOT NULL, visitor TEXT NOT NULL, received_at BIGINT NOT NULL, source TEXT, model_version TEXT)`,
    `CREATE INDEX IF NOT EXISTS ${table}_experiment ON ${table} (experiment, type)`,
    `CREATE INDEX IF NOT EXISTS ${table}_visitor ON ${table} (visitor, type, at)`,
    `CREATE TABLE IF NOT EXISTS ${table}_admin_sessions (id_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
  ];
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

/** The dashboard's three queries; `p(n)` writes the n-th placeholder in the store's dialect. */
export function experimentSql(table: string, p: (n: number) => string) {
  return {
    shelf: `SELECT variant, type, COUNT(*) AS n, COUNT(DISTINCT visitor) AS visitors FROM ${table}
      WHERE experiment = ${p(1)} AND type IN ('exposure', 'click') GROUP BY variant, type`,
    outcomes: `WITH first_seen AS (
        SELECT visitor, variant, MIN(at) AS at FROM ${table} WHERE experiment = ${p(1)} AND type = 'exposure' GROUP BY visitor, variant)
      SELECT f.variant AS variant, e.type AS type, COUNT(DISTINCT f.visitor) AS visitors FROM first_seen f
      JOIN ${table} e ON e.visitor = f.visitor AND e.at >= f.at AND e.type IN ('add-to-cart', 'purchase')
      GROUP BY f.variant, e.type`,
    hourly: `SELECT variant, (at / ${HOUR_MS}) AS slot, type, COUNT(*) AS n FROM ${table}
      WHERE experiment = ${p(1)} AND type IN ('exposure', 'click') GROUP BY variant, (at / ${HOUR_MS}), type ORDER BY slot`,
    byType: `SELECT type, COUNT(*) AS n FROM ${table} GROUP BY type`,
  };
}

type Num = number | string | bigint;
export interface ShelfRow { variant: string; type: string; n: Num; visitors: Num }
export interface OutcomeRow { variant: string; type: string; visitors: Num }
export interface HourRow { variant: string; slot: Num; type: string; n: Num }

/** Both dialects' rows into the dashboard's shape (PostgreSQL returns counts as strings). */
export function assembleCounts(shelf: ShelfRow[], outcomes: OutcomeRow[], hours: HourRow[]): ExperimentCounts {
  const byVariant = new Map<string, VariantCounts>();
  const get = (variant: string) => {
    let v = byVariant.get(variant);
    if (!v) byVariant.set(variant, (v = { variant, exposures: 0, exposedVisitors: 0, clicks: 0, addToCartVisitors: 0, purchaseVisitors: 0 }));
    return v;
  };
  for (const r of shelf) {
    const v = get(r.variant);
    if (r.type === 'exposure') {
      v.exposures = Number(r.n);
      v.exposedVisitors = Number(r.visitors);
    } else v.clicks = Number(r.n);
  }
  for (const r of outcomes) {
    const v = get(r.variant);
    if (r.type === 'add-to-cart') v.addToCartVisitors = Number(r.visitors);
    else v.purchaseVisitors = Number(r.visitors);
  }
  const points = new Map<string, SeriesPoint>();
  for (const r of hours) {
    const hour = Number(r.slot) * HOUR_MS;
    const key = `${r.variant}@${hour}`;
    let pt = points.get(key);
    if (!pt) points.set(key, (pt = { hour, variant: r.variant, exposures: 0, clicks: 0 }));
    if (r.type === 'exposure') pt.exposures = Number(r.n);
    else pt.clicks = Number(r.n);
  }
  return { variants: [...byVariant.values()], hourly: [...points.values()].sort((a, b) => a.hour - b.hour) };
}
