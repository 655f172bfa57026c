/**
 * The store the server uses: PostgreSQL when DATABASE_URL is set, otherwise SQLite in the data folder
 * (TANDEM_DATA_DIR, default ./data), created on first use. One per server process.
 */
import 'server-only';
import { join } from 'node:path';
import { openPostgresStore } from './postgres-store';
import { openSqliteStore } from './sqlite-store';
import type { EventStore } from './store';

let store: EventStore | undefined;

export function eventsFile(): string {
  return join(process.env.TANDEM_DATA_DIR ?? join(process.cwd(), 'data'), 'events.sqlite');
}

export function getEventStore(): EventStore {
  store ??= process.env.DATABASE_URL ? openPostgresStore(process.env.DATABASE_URL) : openSqliteStore(eventsFile());
  return store;
}
