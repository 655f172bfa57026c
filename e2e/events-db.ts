// Reads the test server's events (SQLite, WAL: a reader never blocks the server's writes).
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { E2E_DATA_DIR } from './browser';
import { EVENTS_TABLE } from '../lib/events/store';

export interface Row {
  id: string;
  type: string;
  experiment: string | null;
  variant: string | null;
  placement: string | null;
  position: number | null;
  /** An order's lines, as JSON. */
  lines: string | null;
  revenue_pence: number | null;
  visitor: string;
  /** The shelf's standing holdback readout and arm the server labelled it with. */
  holdback: string | null;
  holdback_arm: string | null;
}

/** `dir`: another server's data folder (the default is the main test server's). */
export function eventsOf(visitor: string, dir = E2E_DATA_DIR): Row[] {
  if (!existsSync(`${dir}/events.sqlite`)) return []; // nothing stored yet by anyone
  const db = new Database(`${dir}/events.sqlite`, { readonly: true, fileMustExist: true });
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(EVENTS_TABLE)) return [];
    return db.prepare(`SELECT id, type, experiment, variant, placement, position, lines, revenue_pence, visitor, holdback, holdback_arm FROM ${EVENTS_TABLE} WHERE visitor = ? ORDER BY at`).all(visitor) as Row[];
  } finally {
    db.close();
  }
}

/** The visitor id inside the signed cookie proxy.ts set (`<uuid>.<c|x>.<minted>.<mac>`). */
export async function visitorId(context: BrowserContext): Promise<string> {
  const c = (await context.cookies()).find((x) => x.name === 'tandem_vid');
  expect(c, 'proxy.ts sets the visitor cookie').toBeTruthy();
  expect(c!.value).toMatch(/^[0-9a-f-]{36}\.c\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
  return c!.value.split('.')[0]!;
}

/** Waits until the store holds events for this visitor that satisfy `check`. */
export async function waitForEvents(visitor: string, check: (rows: Row[]) => boolean, timeout = 20_000): Promise<Row[]> {
  let rows: Row[] = [];
  await expect
    .poll(
      () => {
        try {
          rows = eventsOf(visitor);
        } catch {
          rows = [];
        }
        return check(rows);
      },
      { timeout },
    )
    .toBe(true);
  return rows;
}

/** Event types still queued on the device (lib/events/client.ts keeps them in localStorage), sorted. */
export const queuedTypes = (page: Page) =>
  page.evaluate(() => (JSON.parse(localStorage.getItem('tandem-events') ?? '[]') as { event: { type: string } }[]).map((q) => q.event.type).sort());
