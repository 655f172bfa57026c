/**
 * Which events store is configured: PostgreSQL when DATABASE_URL is set, otherwise SQLite in the data folder
 * (TANDEM_DATA_DIR, default ./data). The server (lib/events/server-store.ts) and training's store orders
 * (models/store-orders.ts) open the same one.
 */
import { join } from 'node:path';
import { openPostgresStore } from './postgres-store';
import { openSqliteStore } from './sqlite-store';
import { EVENTS_TABLE, type EventStore } from './store';

/** Another table than events_v2 (a benchmark's, say): letters, digits and underscores only, as it goes into SQL. */
function eventsTable(): string {
  const t = process.env.TANDEM_EVENTS_TABLE;
  if (t === undefined || t === '') return EVENTS_TABLE;
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(t)) throw new Error(`TANDEM_EVENTS_TABLE must be a plain table name (got ${JSON.stringify(t.slice(0, 50))})`);
  return t;
}

export function eventsFile(): string {
  return join(process.env.TANDEM_DATA_DIR ?? join(process.cwd(), 'data'), 'events.sqlite');
}

/** Which store is configured, known without opening it (the dashboard names it even when it is down). */
export function eventStoreKind(): EventStore['kind'] {
  return process.env.DATABASE_URL ? 'postgres' : 'sqlite';
}

/** Opens the configured store; throws when it cannot (the data folder cannot be created, say). */
export function openConfiguredStore(): EventStore {
  return eventStoreKind() === 'postgres' ? openPostgresStore(process.env.DATABASE_URL!, eventsTable()) : openSqliteStore(eventsFile(), eventsTable());
}
