import { expect, test, type Browser, type Page } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { signedVisitor, startNextServer, type NextServer } from '../scripts/next-server';
import { E2E_ADMIN_TOKEN } from './browser';
import { edgeConfigStub } from './edge-config-stub';
import { view } from './recs-helpers';
import { visitorIn } from './visitors';

/**
 * Issue 26, model experiments: a `model` experiment between the current version and a candidate, set in Edge Config
 * alone. Two visitors in different arms see every shelf ranked by their arm's version, from the edge (no history)
 * and on the device (a history); stopping the experiment moves both to the current version on the next view; the
 * dashboard and report.json show the arms with their versions; a config naming a version the store lacks is refused.
 */
const CURRENT = (JSON.parse(readFileSync('public/models/current.json', 'utf8')) as { version: string }).version;
const CANDIDATE = readdirSync('public/models').filter((v) => /^[0-9a-f]{12}$/.test(v) && v !== CURRENT).sort()[0]!;

const modelTest = {
  id: 'model-candidate',
  salt: '2026-12-model-candidate',
  kind: 'model',
  question: 'Does the candidate model sell more than the current one?',
  status: 'running',
  control: 'current',
  primaryMetric: 'ctr',
  minimumEffect: 0.05,
  variants: [
    { id: 'current', weight: 50, model: CURRENT },
    { id: 'candidate', weight: 50, model: CANDIDATE },
  ],
};
const config = { ...localJson, experiments: [...localJson.experiments, modelTest] };
const experiment = parseLocal(config).experiments.at(-1)!;

const shelves = (page: Page) => page.locator('[data-testid="recs-shelf"]');

/** Every shelf on the page: [placement, source, version]. */
const shelfVersions = (page: Page) =>
  shelves(page).evaluateAll((els) => els.map((e) => [e.getAttribute('data-placement'), e.getAttribute('data-source'), e.getAttribute('data-model-version')]));

async function visitor(browser: Browser, server: NextServer, variant: string, opts: { serviceWorkers?: 'allow' | 'block' } = {}) {
  const context = await browser.newContext({ baseURL: server.base, ...opts });
  await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(visitorIn(experiment, variant)), url: server.base }]);
  return { context, page: await context.newPage() };
}

/** Every shelf of the home page and of a product page comes from `source` (a pattern) and `version`. */
async function expectShelves(page: Page, source: RegExp, version: string) {
  for (const path of ['/', '/products/85123A']) {
    await page.goto(path);
    await expect(shelves(page).first()).toBeVisible();
    await expect.poll(async () => (await shelfVersions(page)).every(([, s, v]) => source.test(s ?? '') && v === version), { timeout: 45_000 }).toBe(true);
    expect((await shelfVersions(page)).length, path).toBeGreaterThanOrEqual(path === '/' ? 1 : 2);
  }
}

test('a model experiment: each arm ranks every shelf with its version, at the edge and on the device; stopping it moves both to the current version', async ({ browser }) => {
  test.setTimeout(240_000);
  expect(CANDIDATE, 'a second version under public/models').toBeTruthy();
  const edge = await edgeConfigStub(config);
  const server = await startNextServer({ env: { EDGE_CONFIG: edge.connection, ADMIN_TOKEN: E2E_ADMIN_TOKEN, TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-model-experiments` }, timeoutMs: 30_000 });
  try {
    const arms = [
      { variant: 'current', version: CURRENT, ...(await visitor(browser, server, 'current')) },
      { variant: 'candidate', version: CANDIDATE, ...(await visitor(browser, server, 'candidate')) },
    ];
    for (const a of arms) {
      // No history: the server's cold-start ranking, with the arm's version.
      await expectShelves(a.page, /^edge$/, a.version);
      await expect(a.page.locator('[data-testid="recs-shelf"]').first()).toHaveAttribute('data-experiments', new RegExp(`model-candidate:${a.variant}`));
      // A history: the device ranks, with the arm's version (the worker loads the version the plan names).
      await view(a.page, ['22423', '85099B']);
      await expectShelves(a.page, /^device-/, a.version);
    }

    // The arms with their versions, on the dashboard and in report.json.
    const admin = arms[0]!.page;
    await admin.goto('/admin/experiments');
    await admin.getByLabel('Admin token').fill(E2E_ADMIN_TOKEN);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    const report = admin.locator('[data-testid="experiment-report"][data-experiment="model-candidate"]');
    await expect(report.locator('[data-testid="variant-head"][data-variant="candidate"] [data-testid="variant-model"]')).toHaveText(`model ${CANDIDATE}`);
    await expect(report.locator('[data-testid="variant-head"][data-variant="current"] [data-testid="variant-model"]')).toHaveText(`model ${CURRENT}`);
    await expect(report.locator('[data-testid="metric-row"][data-metric="deviceRankMs"]')).toBeVisible();
    await expect(report.getByTestId('guardrails')).toContainText('device ranking time');
    const json = (await (await fetch(`${server.base}/admin/experiments/model-candidate/report.json`, { headers: { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` } })).json()) as { kind: string; variants: { variant: string; model: string }[] };
    expect(json.kind).toBe('model');
    expect(json.variants.map((v) => [v.variant, v.model])).toEqual([
      ['current', CURRENT],
      ['candidate', CANDIDATE],
    ]);

    // An edit naming a version the store does not have is refused; the last good config (the experiment) stays.
    edge.set({ ...config, experiments: [...localJson.experiments, { ...modelTest, variants: [modelTest.variants[0], { ...modelTest.variants[1], model: 'ffffffffffff' }] }] });
    await new Promise((r) => setTimeout(r, 6_000)); // the config is re-read every 5 s at most
    await expectShelves(arms[1]!.page, /^device-/, CANDIDATE);
    expect(server.log()).toMatch(/ffffffffffff: the store has no such version/);

    // Stopped: both visitors rank with the current version on their next view, on the device as at the edge.
    edge.set({ ...config, experiments: [...localJson.experiments, { ...modelTest, status: 'ended' }] });
    await new Promise((r) => setTimeout(r, 6_000));
    for (const a of arms) await expectShelves(a.page, /^device-/, CURRENT);
    // The candidate's visitor holds both versions' files, once: the worker's caches, none in the service worker's.
    const stored = await arms[1]!.page.evaluate(async () => {
      const keys = await caches.keys();
      const runtime = await Promise.all(keys.filter((k) => k.startsWith('tandem-runtime-')).map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url)));
      return { models: keys.filter((k) => k.startsWith('tandem-model-')).sort(), swModelFiles: runtime.flat().filter((u) => /\/models\/[0-9a-f]{12}\//.test(u)), sw: keys.some((k) => k.startsWith('tandem-runtime-')) };
    });
    expect(stored.models).toEqual([`tandem-model-${CANDIDATE}`, `tandem-model-${CURRENT}`].sort());
    expect(stored.sw).toBe(true);
    expect(stored.swModelFiles).toEqual([]);
    const fresh = await visitor(browser, server, 'candidate');
    await expectShelves(fresh.page, /^edge$/, CURRENT);
    await fresh.context.close();
    for (const a of arms) await a.context.close();
  } finally {
    server.stop();
    edge.close();
  }
});

test('the device keeps the two versions it used: a version that fails its checks falls back to the previous one (reported); switching back downloads nothing', async ({ browser }) => {
  test.setTimeout(240_000);
  const noExperiment = { ...config, experiments: localJson.experiments };
  const edge = await edgeConfigStub(noExperiment);
  const server = await startNextServer({ env: { EDGE_CONFIG: edge.connection, TANDEM_DATA_DIR: `${process.cwd()}/data/e2e-model-fallback` }, timeoutMs: 30_000 });
  try {
    // No service worker: the worker's own version cache is what is tested, and its requests reach page.route.
    const { context, page } = await visitor(browser, server, 'candidate', { serviceWorkers: 'block' });
    const home = page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]');
    const warnings: string[] = [];
    page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    // The current version, used once on this device.
    await view(page, ['22423', '85099B']);
    await page.goto('/');
    await expect(home).toHaveAttribute('data-source', /^device-/, { timeout: 45_000 });
    await expect(home).toHaveAttribute('data-model-version', CURRENT);

    // The candidate's arm, with its embeddings corrupted on the way: the previous version ranks, and says why.
    const broken = new RegExp(`/models/${CANDIDATE}/items\\.(f32|i8)\\.bin$`);
    await page.route(broken, async (route) => {
      const res = await route.fetch();
      const b = Buffer.from(await res.body());
      b[b.length >> 1] = b[b.length >> 1]! ^ 0xff;
      await route.fulfill({ response: res, body: b });
    });
    edge.set(config);
    await new Promise((r) => setTimeout(r, 6_000));
    await page.goto('/?debug=1');
    await expect(home).toHaveAttribute('data-experiments', /model-candidate:candidate/);
    await expect(home).toHaveAttribute('data-source', /^device-/, { timeout: 45_000 });
    await expect(home).toHaveAttribute('data-model-version', CURRENT);
    await expect(home.getByTestId('recs-debug-fallback')).toContainText(`model ${CANDIDATE} failed its checks`);
    await expect.poll(() => warnings.some((w) => w.includes(`model ${CANDIDATE} failed its checks`))).toBe(true);

    // Repaired: the candidate loads (its files fetched: the worker's requests are seen here) and ranks.
    const fetched: string[] = [];
    page.on('request', (r) => void (r.url().includes('/models/') && !r.url().endsWith('current.json') && fetched.push(r.url())));
    await page.unroute(broken);
    await page.goto('/');
    await expect(home).toHaveAttribute('data-model-version', CANDIDATE, { timeout: 45_000 });
    await expect(home).toHaveAttribute('data-source', /^device-/);
    expect(fetched.some((u) => u.includes(`/models/${CANDIDATE}/items.`))).toBe(true);
    fetched.length = 0;

    // Stopped: back to the current version, from the device's cache: no request for its files.
    edge.set({ ...config, experiments: [...localJson.experiments, { ...modelTest, status: 'ended' }] });
    await new Promise((r) => setTimeout(r, 6_000));
    await page.goto('/');
    await expect(home).toHaveAttribute('data-model-version', CURRENT, { timeout: 45_000 });
    await expect(home).toHaveAttribute('data-source', /^device-/);
    expect(fetched.filter((u) => u.includes(`/models/${CURRENT}/`))).toEqual([]);
    await context.close();
  } finally {
    server.stop();
    edge.close();
  }
});
