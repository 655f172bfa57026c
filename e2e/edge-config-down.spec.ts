import { expect, test } from '@playwright/test';
import { startNextServer } from '../scripts/next-server';

test('Edge Config unreachable: the store runs on the local config, says so in the log, and ranks', async ({ browser }) => {
  test.setTimeout(60_000);
  // A second server of the same build, with EDGE_CONFIG pointing at a store it cannot reach.
  const server = await startNextServer({
    env: { EDGE_CONFIG: 'https://edge-config.invalid/ecfg_tandemtest?token=00000000-0000-4000-8000-000000000000', TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-edge-config` },
    timeoutMs: 30_000,
  });
  try {
    const page = await (await browser.newContext()).newPage();
    const res = await page.goto(`${server.base}/`);
    expect(res!.status()).toBe(200);
    await expect(page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]')).toHaveAttribute('data-source', 'edge');
    // The local file's experiments still run: the variant is in the first HTML.
    expect(await res!.text()).toMatch(/data-experiments="home-shelf-position:(above|below)-hero"/);
    await expect.poll(() => server.log()).toMatch(/Edge Config is unreachable .*using the local lib\/config\/default\.json/);
  } finally {
    server.stop();
  }
});
