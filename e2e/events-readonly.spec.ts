import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openSqliteStore } from '../lib/events/sqlite-store';
import { startNextServer } from '../scripts/next-server';
import { E2E_ADMIN_TOKEN } from './browser';
import { eventsOf, queuedTypes, visitorId } from './events-db';
import { historyCount } from './recs-helpers';

// Root writes through file permissions; the server runs without that capability (setpriv, util-linux),
// so a read-only file is read-only to it as it would be to any service account.
const WRAP = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : [];

/** `folderToo`: the whole data folder (nothing can be created in it), else only the files in it. */
function setWritable(dir: string, writable: boolean, folderToo = true) {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) chmodSync(`${dir}/${f}`, writable ? 0o644 : 0o444); // the -wal and -shm files too
  if (folderToo || writable) chmodSync(dir, writable ? 0o755 : 0o555);
}


// Each case is a server of the same build whose events database sits on a read-only disk.
for (const where of [
  // SQLite opens the file read-only and reads work: the dashboard shows its numbers; the connection would stay read-only.
  { name: 'the database file', folderToo: false, dir: 'data/e2e-readonly-file' },
  // Nothing can be created beside the file (no -shm), so the store cannot even open: the dashboard says so.
  { name: 'the whole data folder', folderToo: true, dir: 'data/e2e-readonly-folder' },
]) {
  const DIR = `${process.cwd()}/${where.dir}`;
  test(`${where.name} read-only: shelves still show, events wait on the device, and once it is writable they are stored once, without a restart`, async ({ browser }) => {
    test.setTimeout(120_000);
    setWritable(DIR, true);
    rmSync(DIR, { recursive: true, force: true });
    // The database exists (a day of trading), then the disk turns read-only under a fresh server.
    await openSqliteStore(`${DIR}/events.sqlite`).close();
    setWritable(DIR, false, where.folderToo);
    const server = await startNextServer({ wrap: WRAP, env: { TANDEM_DATA_DIR: DIR, ADMIN_TOKEN: E2E_ADMIN_TOKEN } });
    try {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      const answers: number[] = [];
      page.on('response', (r) => void (new URL(r.url()).pathname === '/api/events' && answers.push(r.status())));
      await page.goto(`${server.base}/products/85123A`);
      const visitor = await visitorId(context);
      await expect(page.locator('[data-testid="recs-shelf"] [data-testid="recs-item"]').first()).toBeVisible();
      await expect.poll(() => historyCount(page)).toBeGreaterThan(0); // hydrated
      await page.getByRole('button', { name: /add to cart/i }).click();
      await expect.poll(() => answers, { timeout: 20_000 }).toContain(503);
      expect(answers).not.toContain(202);
      expect(await queuedTypes(page)).toContain('add-to-cart');
      expect(server.log()).toMatch(/events store unavailable: attempt to write a readonly database/);

      // The dashboard still answers, with the numbers or with a plain statement that it cannot read them.
      const dashboard = await context.request.get(`${server.base}/admin/experiments`, { headers: { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
      expect(dashboard.status()).toBe(200);
      const html = await dashboard.text();
      expect(html).toContain('Placement experiments');
      expect(html.includes('data-testid="store-error"')).toBe(where.folderToo);

      setWritable(DIR, true);
      await page.reload(); // leaving sends the queue as a beacon, and the next page sends whatever is still kept
      await expect.poll(() => eventsOf(visitor, DIR).filter((e) => e.type === 'add-to-cart').length, { timeout: 30_000 }).toBe(1);
      await expect.poll(() => queuedTypes(page), { timeout: 30_000 }).not.toContain('add-to-cart');
      expect(eventsOf(visitor, DIR).filter((e) => e.type === 'add-to-cart')).toHaveLength(1);
    } finally {
      server.stop();
      setWritable(DIR, true);
    }
  });
}
