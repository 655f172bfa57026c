/** The default events store: one SQLite file (WAL, so the dashboard reads while the store writes). */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredEvent } from './schema';
import { addedColumns, cappedCounts, enteredOf, orderOf, ordersSql, COLUMNS, dayOf, EVENTS_TABLE, experimentSql, healthOf, healthRow, healthSql, configChangeOf, configLogRow, configLogSql, pageTrafficOf, pageTrafficSql, rollupSql, rollupUpdates, rowOf, schemaSql, sessionSql, type EventStore } from './store';
import type { LeftOutReason } from './schema';

export function openSqliteStore(file: string, table = EVENTS_TABLE, opts: { busyTimeoutMs?: number } = {}): EventStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // with WAL: durable across a crash of the process, fast
  // A writer holding the lock (a backup, a migration) is waited for this long; then the insert fails, the
  // endpoint answers 503 and the device keeps the batch.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  for (const sql of schemaSql(table)) db.exec(sql);
  for (const c of addedColumns(table)) {
    const has = (db.prepare(`PRAGMA table_info(${c.table})`).all() as { name: string }[]).some((x) => x.name === c.column);
    if (!has) db.exec(`ALTER TABLE ${c.table} ADD COLUMN ${c.column} ${c.type}`);
  }
  const insert = db.prepare(`INSERT OR IGNORE INTO ${table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const rollup = rollupSql(table, () => '?', 'MIN');
  const statements = new Map(Object.values(rollup).map((sql) => [sql, db.prepare(sql)]));
  // The raw row and its rollup updates in one transaction: a new event counts once, a duplicate not at all.
  const insertAll = db.transaction((events: StoredEvent[]) => {
    let accepted = 0;
    for (const e of [...events].sort((a, b) => a.at - b.at)) {
      if (insert.run(rowOf(e)).changes === 0) continue;
      accepted++;
      for (const [sql, params] of rollupUpdates(e, rollup)) statements.get(sql)!.run(params);
    }
    return accepted;
  });
  // Named: the readout's query uses a parameter more than once.
  const q = experimentSql(table, (n) => `@p${n}`, 'MIN');
  const prepared = new Map<string, Database.Statement>();
  const query = async <R,>(text: string, params: (string | number)[]): Promise<R[]> => {
    let st = prepared.get(text);
    if (!st) prepared.set(text, (st = db.prepare(text)));
    return st.all(Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]))) as R[];
  };
  const byType = db.prepare<[], { type: string; n: number }>(q.byType);
  const sq = sessionSql(table, () => '?');
  const purge = db.prepare<[number]>(sq.purge);
  const openSession = db.prepare<[string, string, number]>(sq.open);
  const alive = db.prepare<[string, string, number], { ok: number }>(sq.alive);
  const endSession = db.prepare<[string]>(sq.end);

  return {
    kind: 'sqlite',
    sessions: {
      async open(s, now) {
        purge.run(now);
        openSession.run(s.idHash, s.tokenHash, s.expiresAt);
      },
      async alive(idHash, tokenHash, now) {
        return alive.get(idHash, tokenHash, now) !== undefined;
      },
      async end(idHash) {
        endSession.run(idHash);
      },
    },
    ...sqliteBeside(db, table),
    async insert(events) {
      const accepted = insertAll(events);
      return { accepted, duplicates: events.length - accepted };
    },
    async experimentCounts(experiment) {
      return cappedCounts(q, query, experiment);
    },
    async countByType() {
      return Object.fromEntries(byType.all().map((r) => [r.type, r.n]));
    },
    async entered(visitor) {
      return enteredOf(await query<{ experiment: string; reason: LeftOutReason | null }>(q.entered, [visitor]));
    },
    async orders() {
      return (db.prepare(ordersSql(table)).all() as Parameters<typeof orderOf>[0][]).map(orderOf);
    },
    async recordRefused(refused, now) {
      const st = statements.get(rollup.refused)!;
      db.transaction(() => {
        for (const r of refused) st.run([r.reason, dayOf(now), r.events]);
      })();
    },
    async close() {
      db.close();
    },
  };
}

/** The tables beside the events (the shelves' health log, the editor's change log) and the planner's read. */
function sqliteBeside(db: Database.Database, table: string): Pick<EventStore, 'pageTraffic' | 'configLog' | 'health'> {
  const hq = healthSql(table, () => '?');
  const healthStates = db.prepare(hq.states);
  const healthMove = db.prepare(hq.move);
  const healthHistory = db.prepare(hq.history);
  const cq = configLogSql(table, () => '?');
  const logAdd = db.prepare(cq.add);
  const logAll = db.prepare(cq.all);
  const logOf = db.prepare(cq.of);
  return {
    async pageTraffic(placements, since) {
      return pageTrafficOf(db.prepare(pageTrafficSql(table, () => '?', placements.length)).get(since, ...placements) as Record<string, unknown> | undefined);
    },
    configLog: {
      async add(change) {
        logAdd.run(configLogRow(change));
      },
      async list(limit, experiment) {
        return ((experiment === undefined ? logAll.all(limit) : logOf.all(limit, experiment)) as Record<string, unknown>[]).map(configChangeOf);
      },
    },
    health: {
      async states() {
        return (healthStates.all() as Record<string, unknown>[]).map(healthOf);
      },
      async move(state) {
        return healthMove.run(healthRow(state)).changes > 0;
      },
      async history(limit) {
        return (healthHistory.all(limit) as Record<string, unknown>[]).map(healthOf);
      },
    },
  };
}
