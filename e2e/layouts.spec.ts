import { expect, test } from '@playwright/test';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { signedVisitor, startNextServer } from '../scripts/next-server';
import { edgeConfigStub } from './edge-config-stub';
import { visitorIn } from './visitors';

/**
 * Issue 15, placements as data: marketing adds a placement test by editing Edge Config alone (no deploy), and
 * both arms render the shelves their layout names. A stand-in Edge Config (the SDK's external connection
 * string: GET <base>/items) serves the config; a bad edit is refused and the last good config stays.
 */
const lean = {
  id: 'home-lean',
  salt: '2026-12-home-lean',
  kind: 'page-layout',
  page: 'home',
  question: 'Does one larger "for you" shelf above the hero beat the two shelves below it?',
  status: 'running',
  control: 'two-shelves',
  primaryMetric: 'ctr',
  minimumEffect: 0.05,
  variants: [
    { id: 'two-shelves', weight: 50, layout: [{ placement: 'home-buy-again', slot: 'below-hero' }, { placement: 'home-for-you', slot: 'below-hero' }] },
    { id: 'one-big-shelf', weight: 50, layout: [{ placement: 'home-for-you', slot: 'above-hero', size: 16, title: 'Picked for you today' }] },
  ],
};
// The new test replaces the home position test (one layout test per page may run).
const config = { ...localJson, experiments: [lean, ...localJson.experiments.filter((e) => e.id !== 'home-shelf-position')] };
const experiment = parseLocal(config).experiments[0]!;

test('a placement experiment added by config alone renders its shelves in both arms; a bad edit keeps the last good config', async ({ browser }) => {
  test.setTimeout(90_000);
  const edge = await edgeConfigStub(config);
  const server = await startNextServer({
    env: { EDGE_CONFIG: edge.connection, TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-layouts` },
    timeoutMs: 30_000,
  });
  try {
    const open = async (variant: string) => {
      const context = await browser.newContext();
      await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(visitorIn(experiment, variant)), url: server.base }]);
      const page = await context.newPage();
      const res = await page.goto(`${server.base}/`);
      return { page, html: await res!.text(), context };
    };

    // Control: the two shelves below the hero (the buy-again row only for a browser that ordered).
    const control = await open('two-shelves');
    const shelf = control.page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]');
    await expect(shelf).toHaveAttribute('data-experiments', /home-lean:two-shelves/);
    await expect(shelf.getByRole('heading')).toHaveText('Recommended for you');
    await expect(shelf.locator('[data-testid="recs-item"]')).toHaveCount(12);
    expect(control.html.indexOf('data-placement="home-for-you"')).toBeGreaterThan(control.html.indexOf('<h1'));
    await control.page.screenshot({ path: test.info().outputPath('home-lean-two-shelves.png') });
    await control.context.close();

    // The new arm: one shelf of 16 above the hero, its own title, in the first HTML.
    const big = await open('one-big-shelf');
    const bigShelf = big.page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]');
    await expect(bigShelf).toHaveAttribute('data-experiments', /home-lean:one-big-shelf/);
    await expect(bigShelf.getByRole('heading')).toHaveText('Picked for you today');
    await expect(bigShelf.locator('[data-testid="recs-item"]')).toHaveCount(16);
    expect(big.html.indexOf('data-placement="home-for-you"')).toBeLessThan(big.html.indexOf('<h1'));
    expect(big.html).toContain('Picked for you today');
    await big.page.screenshot({ path: test.info().outputPath('home-lean-one-big-shelf.png') });

    // A bad edit (a product-page shelf in a home layout): refused with a message naming it; the last good stays.
    edge.set({ ...config, experiments: [{ ...lean, variants: [lean.variants[0], { ...lean.variants[1], layout: [{ placement: 'cart-upsell', slot: 'above-hero' }] }] }] });
    await expect
      .poll(
        async () => {
          await big.page.reload(); // the config is re-read (every 5 s at most) as requests come
          return server.log();
        },
        { timeout: 30_000, intervals: [2000] },
      )
      .toMatch(/Edge Config is invalid \(experiments\.0\.variants\.1\.layout\.0\.placement: cart-upsell is not a home page shelf\); using the last good Edge Config value/);
    await big.page.reload();
    await expect(bigShelf.getByRole('heading')).toHaveText('Picked for you today');
    await big.context.close();
  } finally {
    server.stop();
    edge.close();
  }
});
