/** The production events store: PostgreSQL, selected by DATABASE_URL. Same tables and queries as SQLite. */
import { Pool } from 'pg';
import type { StoredEvent } from './schema';
import { addedColumns, cappedCounts, enteredOf, orderOf, ordersSql, COLUMNS, dayOf, EVENTS_TABLE, experimentSql, healthOf, healthRow, healthSql, configChangeOf, configLogRow, configLogSql, pageTrafficOf, pageTrafficSql, rollupSql, rollupUpdates, rowOf, schemaSql, sessionSql, type EventStore } from './store';
import type { LeftOutReason } from './schema';

export function openPostgresStore(connectionString: string, table = EVENTS_TABLE): EventStore {
  const pool = new Pool({ connectionString, max: 5 });
  let ready: Promise<void> | undefined;
  const ensureSchema = () =>
    (ready ??= (async () => {
      for (const sql of schemaSql(table)) await pool.query(sql);
      for (const c of addedColumns(table)) await pool.query(`ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.column} ${c.type}`);
    })().catch((e: unknown) => {
      ready = undefined; // retried by the next call
      throw e;
    }));
  const q = experimentSql(table, (n) => `$${n}`, 'LEAST');
  const sq = sessionSql(table, (n) => `$${n}`);
  const rollup = rollupSql(table, (n) => `$${n}`, 'LEAST');

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
    ...postgresBeside(pool, ensureSchema, table),
    async insert(events: StoredEvent[]) {
      await ensureSchema();
      if (events.length === 0) return { accepted: 0, duplicates: 0 };
      const width = COLUMNS.length;
      const values = events.map((_, r) => `(${COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
      // The raw rows and their rollup updates in one transaction: a new event counts once, a duplicate not at all.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const res = await client.query<{ id: string }>(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values} ON CONFLICT (id) DO NOTHING RETURNING id`, events.flatMap(rowOf));
        const fresh = new Set(res.rows.map((r) => r.id));
        for (const e of [...events].sort((a, b) => a.at - b.at)) {
          if (!fresh.has(e.id)) continue;
          for (const [sql, params] of rollupUpdates(e, rollup)) await client.query(sql, params);
        }
        await client.query('COMMIT');
        return { accepted: fresh.size, duplicates: events.length - fresh.size };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async experimentCounts(experiment) {
      await ensureSchema();
      return cappedCounts(q, async <R,>(text: string, params: (string | number)[]) => (await pool.query(text, params)).rows as R[], experiment);
    },
    async countByType() {
      await ensureSchema();
      const res = await pool.query<{ type: string; n: string }>(q.byType);
      return Object.fromEntries(res.rows.map((r) => [r.type, Number(r.n)]));
    },
    async entered(visitor) {
      await ensureSchema();
      return enteredOf((await pool.query<{ experiment: string; reason: LeftOutReason | null }>(q.entered, [visitor])).rows);
    },
    async orders() {
      await ensureSchema();
      return (await pool.query<Parameters<typeof orderOf>[0]>(ordersSql(table))).rows.map(orderOf);
    },
    async recordRefused(refused, now) {
      await ensureSchema();
      for (const r of refused) await pool.query(rollup.refused, [r.reason, dayOf(now), r.events]);
    },
    async close() {
      await pool.end();
    },
  };
}

/** The tables beside the events (the shelves' health log, the editor's change log) and the planner's read. */
function postgresBeside(pool: Pool, ensureSchema: () => Promise<void>, table: string): Pick<EventStore, 'pageTraffic' | 'configLog' | 'health'> {
  const hq = healthSql(table, (n) => `$${n}`);
  const cq = configLogSql(table, (n) => `$${n}`);
  return {
    async pageTraffic(placements, since) {
      await ensureSchema();
      return pageTrafficOf((await pool.query<Record<string, unknown>>(pageTrafficSql(table, (n) => `$${n}`, placements.length), [since, ...placements])).rows[0]);
    },
    configLog: {
      async add(change) {
        await ensureSchema();
        await pool.query(cq.add, configLogRow(change));
      },
      async list(limit, experiment) {
        await ensureSchema();
        const res = experiment === undefined ? await pool.query<Record<string, unknown>>(cq.all, [limit]) : await pool.query<Record<string, unknown>>(cq.of, [limit, experiment]);
        return res.rows.map(configChangeOf);
      },
    },
    health: {
      async states() {
        await ensureSchema();
        return (await pool.query<Record<string, unknown>>(hq.states)).rows.map(healthOf);
      },
      async move(state) {
        await ensureSchema();
        return ((await pool.query(hq.move, healthRow(state))).rowCount ?? 0) > 0;
      },
      async history(limit) {
        await ensureSchema();
        return (await pool.query<Record<string, unknown>>(hq.history, [limit])).rows.map(healthOf);
      },
    },
  };
}
