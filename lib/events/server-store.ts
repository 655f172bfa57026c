/** The store the server uses (lib/events/configured-store.ts), created on first use: one per server process. */
import 'server-only';
import { eventStoreKind, openConfiguredStore } from './configured-store';
import type { EventStore } from './store';

export { eventsFile, eventStoreKind } from './configured-store';

let store: EventStore | undefined;

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

/** Throws when the store cannot be opened (the data folder cannot be created, say); the next call tries again. */
export function getEventStore(): EventStore {
  store ??= eventStoreKind() === 'postgres' ? openConfiguredStore() : reopeningOnFatal(openConfiguredStore());
  return store;
}
