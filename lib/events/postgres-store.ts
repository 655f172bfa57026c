/** The production events store: PostgreSQL, selected by DATABASE_URL. Same tables and queries as SQLite. */
import { Pool } from 'pg';
import type { StoredEvent } from './schema';
import { assembleCounts, COLUMNS, experimentSql, rowOf, schemaSql, sessionSql, type EventStore, type HourRow, type OutcomeRow, type ShelfRow } from './store';

export function openPostgresStore(connectionString: string, table = 'events'): EventStore {
  const pool = new Pool({ connectionString, max: 5 });
  let ready: Promise<void> | undefined;
  const ensureSchema = () =>
    (ready ??= (async () => {
      for (const sql of schemaSql(table)) await pool.query(sql);
    })().catch((e: unknown) => {
      ready = undefined; // retried by the next call
      throw e;
    }));
  const q = experimentSql(table, (n) => `$${n}`);
  const sq = sessionSql(table, (n) => `$${n}`);

  return {
    kind: 'postgres',
    sessions: {
      async open(s, now) {
        await ensureSchema();
        await pool.query(sq.purge, [now]);
        await pool.query(sq.open, [s.idHash, s.tokenHash, s.expiresAt]);
      },
      async alive(idHash, tokenHash, now) {
        await ensureSchema();
        return ((await pool.query(sq.alive, [idHash, tokenHash, now])).rowCount ?? 0) > 0;
      },
      async end(idHash) {
        await ensureSchema();
        await pool.query(sq.end, [idHash]);
      },
    },
    async insert(events: StoredEvent[]) {
      await ensureSchema();
      if (events.length === 0) return { accepted: 0, duplicates: 0 };
      const width = COLUMNS.length;
      const values = events.map((_, r) => `(${COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
      const res = await pool.query(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values} ON CONFLICT (id) DO NOTHING`, events.flatMap(rowOf));
      const accepted = res.rowCount ?? 0;
      return { accepted, duplicates: events.length - accepted };
    },
    async experimentCounts(experiment) {
      await ensureSchema();
      const [shelf, outcomes, hourly] = await Promise.all([
        pool.query<ShelfRow>(q.shelf, [experiment]),
        pool.query<OutcomeRow>(q.outcomes, [experiment]),
        pool.query<HourRow>(q.hourly, [experiment]),
      ]);
      return assembleCounts(shelf.rows, outcomes.rows, hourly.rows);
    },
    async countByType() {
      await ensureSchema();
      const res = await pool.query<{ type: string; n: string }>(q.byType);
      return Object.fromEntries(res.rows.map((r) => [r.type, Number(r.n)]));
    },
    async close() {
      await pool.end();
    },
  };
}
