/**
 * The store the server uses: PostgreSQL when DATABASE_URL is set, otherwise SQLite in the data folder
 * (TANDEM_DATA_DIR, default ./data), created on first use. One per server process.
 */
import 'server-only';
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

let store: EventStore | undefined;

export function eventsFile(): string {
  return join(process.env.TANDEM_DATA_DIR ?? join(process.cwd(), 'data'), 'events.sqlite');
}

/**
 * SQLite errors that outlive their cause on the same connection: a file opened while it (or its folder,
 * or its -wal/-shm files) was read-only stays read-only after the permissions are fixed, and a file
 * that vanished stays vanished. After one of these the store is opened afresh on the next request, so
 * fixing the disk is enough: no restart.
 */
const REOPEN_AFTER = /^SQLITE_(READONLY|CANTOPEN|IOERR|NOTADB|CORRUPT)/;

function reopeningOnFatal(s: EventStore): EventStore {
  const self: EventStore = {
    ...s,
    async insert(events) {
      try {
        return await s.insert(events);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && REOPEN_AFTER.test(code) && store === self) {
          store = undefined;
          // Not at once: a dashboard render may be between two reads on this connection.
          setTimeout(() => void s.close().catch(() => undefined), 5000).unref();
        }
        throw e;
      }
    },
  };
  return self;
}

/** Which store this server uses, known without opening it (the dashboard names it even when it is down). */
export function eventStoreKind(): EventStore['kind'] {
  return process.env.DATABASE_URL ? 'postgres' : 'sqlite';
}

/** Throws when the store cannot be opened (the data folder cannot be created, say); the next call tries again. */
export function getEventStore(): EventStore {
  store ??= eventStoreKind() === 'postgres' ? openPostgresStore(process.env.DATABASE_URL!, eventsTable()) : reopeningOnFatal(openSqliteStore(eventsFile(), eventsTable()));
  return store;
}
