import { spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';

// A second server of the same build, with EDGE_CONFIG pointing at a store it cannot reach.
const PORT = 3299;
const BASE = `http://localhost:${PORT}`;

test('Edge Config unreachable: the store runs on the local config, says so in the log, and ranks', async ({ browser }) => {
  test.setTimeout(60_000);
  const server = spawn('npx', ['next', 'start', '-p', String(PORT)], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', EDGE_CONFIG: 'https://edge-config.invalid/ecfg_tandemtest?token=00000000-0000-4000-8000-000000000000', TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-edge-config` },
    detached: true,
  });
  let log = '';
  server.stdout.on('data', (b: Buffer) => (log += b.toString()));
  server.stderr.on('data', (b: Buffer) => (log += b.toString()));
  try {
    await expect.poll(async () => fetch(`${BASE}/api/rank?placement=home-top`).then((r) => r.status, () => 0), { timeout: 30_000 }).toBe(200);
    const page = await (await browser.newContext()).newPage();
    const res = await page.goto(`${BASE}/`);
    expect(res!.status()).toBe(200);
    await expect(page.locator('[data-testid="recs-shelf"][data-placement="home-top"]')).toHaveAttribute('data-source', 'edge');
    // The local file's experiments still run: the variant is in the first HTML.
    expect(await res!.text()).toMatch(/data-experiments="home-shelf-position:(above|below)-hero"/);
    await expect.poll(() => log).toMatch(/Edge Config is unreachable .*using the local lib\/config\/default\.json/);
  } finally {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});
