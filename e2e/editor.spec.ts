import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Experiment } from '../lib/config/schema';
import { assignVariant, inTraffic } from '../lib/experiments/assign';
import { signedVisitor, startNextServer, type NextServer } from '../scripts/next-server';
import { E2E_ADMIN_TOKEN } from './browser';
import { edgeConfigApiStub } from './edge-config-api-stub';
import local from '../lib/config/default.json' with { type: 'json' };

// Issue 36: marketers build, preview, start, ramp, pause and stop placement tests from the dashboard. Servers of their
// own, each with its own config file (the editor writes it), so the shared server's config never moves.
test.describe.configure({ mode: 'serial' });
const dir = `${process.cwd()}/data/e2e-editor`;
let server: NextServer;
const bearer = { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

test.beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  server = await startNextServer({ env: { ADMIN_TOKEN: E2E_ADMIN_TOKEN, TANDEM_DATA_DIR: dir, TANDEM_HOLDBACK_SHARE: '0', TANDEM_NEW_VISITORS_LIMIT_ADDRESS: 'off', TANDEM_RANK_LIMIT_ADDRESS: 'off', TANDEM_SIGNIN_LIMIT_ADDRESS: 'off' }, readyPath: '/' });
});
test.afterAll(() => server?.stop());

async function experiment(id: string): Promise<Experiment> {
  return ((await (await fetch(`${server.base}/admin/api/experiments/${id}`, { headers: bearer })).json()) as { experiment: Experiment }).experiment;
}

/** A fresh visitor (a new browser context) with an id the server's hash puts in `arm` of `e`, inside its traffic. */
async function visitorSees(browser: Browser, e: Experiment, arm: string): Promise<{ page: Page; id: string }> {
  let id: string;
  do id = randomUUID();
  while (assignVariant(e, id) !== arm || !inTraffic(e, id));
  const context = await browser.newContext();
  await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(id), url: server.base }]);
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  return { page, id };
}

const forYou = (page: Page) => page.locator('[data-testid="recs-shelf"][data-placement="home-for-you"]');

test('a marketer builds a home-page layout test with two arms, a bad value refused at its field, previews both, starts it, sees two fresh visitors served different arms, ramps, pauses and stops it', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 375, height: 900 });
  await page.goto(`${server.base}/admin/experiments/new`);
  await page.getByLabel('Admin token').fill(E2E_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'New placement experiment' })).toBeVisible();
  // At 375 px nothing runs off the side, and axe finds nothing.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect((await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze()).violations).toEqual([]);

  // By keyboard: saving an empty form sends nothing, shows each refusal at its field and takes focus to the first.
  await page.getByLabel('Experiment id').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('editor-error')).toContainText('nothing was saved');
  await expect(page.locator('[data-testid="field-error"][data-field="id"]')).toBeVisible();
  await expect(page.getByLabel('Experiment id')).toBeFocused();
  await page.keyboard.type('home-picked');
  await page.getByLabel('Question').fill('Does a larger "for you" shelf above the hero sell more?');
  await page.getByLabel('Arm 2 id').fill('b');
  await page.getByLabel('Arm 1 id').fill('a');
  // Arm 2: "for you" above the hero, 16 items, its own title. A size of 99 is refused at the size field.
  const arm2 = page.getByTestId('arm-editor').nth(1);
  const shelf = arm2.getByTestId('shelf-row').nth(1);
  await shelf.getByLabel('Slot').selectOption('above-hero');
  await shelf.getByLabel('Title').fill('Picked for you today');
  await shelf.getByLabel('Size').fill('99');
  await page.getByLabel('Visitors in the test (%)').fill('10');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  const sizeError = page.locator('[data-testid="field-error"][data-field="variants.1.layout.1.size"]');
  await expect(sizeError).toContainText('24');
  await expect(shelf.getByLabel('Size')).toHaveAttribute('aria-invalid', 'true');
  await shelf.getByLabel('Size').fill('16');
  await expect(sizeError).toHaveCount(0);
  await expect(page.getByTestId('planner')).toContainText('Planner');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  await expect(page.getByText('Saved as a draft')).toBeVisible();
  await expect(page.getByTestId('experiment-status')).toHaveText('draft');
  // The edit page too: nothing off the side at 375 px, nothing for axe.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect((await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze()).violations).toEqual([]);
  const draft = await experiment('home-picked');
  expect(draft).toMatchObject({ status: 'draft', traffic: 0.1, variants: [{ id: 'a' }, { id: 'b', layout: [{ placement: 'home-buy-again' }, { placement: 'home-for-you', slot: 'above-hero', size: 16, title: 'Picked for you today' }] }] });

  // Preview each arm: marked, the arm's layout, nothing counted, the marketer's own arms untouched.
  const previewPage = await page.context().newPage();
  for (const arm of ['a', 'b'] as const) {
    await previewPage.goto(`${server.base}${await page.locator(`[data-testid="preview-links"] a[data-variant="${arm}"]`).getAttribute('href')}`);
    await expect(previewPage.getByTestId('preview-banner')).toHaveAttribute('data-variant', arm);
    await expect(forYou(previewPage).getByRole('heading')).toHaveText(arm === 'b' ? 'Picked for you today' : 'Recommended for you');
  }
  const sent = await previewPage.evaluate(async () => (await fetch('/api/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events: [{ id: crypto.randomUUID(), type: 'exposure', experiment: 'home-picked', variant: 'b', placement: 'home-for-you', at: Date.now() }] }) })).json());
  expect(sent).toMatchObject({ accepted: 0, preview: true });
  await previewPage.goto(`${server.base}/?tandem_preview=off`);
  await expect(previewPage.getByTestId('preview-banner')).toHaveCount(0);
  await previewPage.close();

  // Start: refused while the running home test holds the question (and said at the status), then started once it is stopped.
  const controls = page.locator('[data-testid="experiment-controls"][data-experiment="home-picked"]');
  await controls.getByRole('button', { name: 'Start' }).click();
  await expect(controls.getByTestId('controls-error')).toContainText('"home-shelf-position"');
  await page.goto(`${server.base}/admin/experiments`);
  await page.locator('[data-testid="experiment-controls"][data-experiment="home-shelf-position"]').getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-testid="experiment-controls"][data-experiment="home-shelf-position"]')).toHaveAttribute('data-status', 'ended');
  await page.locator('[data-testid="draft"][data-experiment="home-picked"]').getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('[data-testid="experiment-controls"][data-experiment="home-picked"]')).toHaveAttribute('data-status', 'running');

  // Two fresh visitors, one in each arm of the 10% in the test.
  const running = await experiment('home-picked');
  const a = await visitorSees(browser, running, 'a');
  const b = await visitorSees(browser, running, 'b');
  await expect(forYou(a.page).getByRole('heading')).toHaveText('Recommended for you');
  await expect(forYou(b.page).getByRole('heading')).toHaveText('Picked for you today');
  await expect(forYou(b.page)).toHaveAttribute('data-experiments', /home-picked:b/);

  // Ramp to everyone: both keep their arm.
  const picked = page.locator('[data-testid="experiment-controls"][data-experiment="home-picked"]');
  await picked.getByRole('button', { name: 'Ramp home-picked to 100% of visitors' }).click();
  await expect(picked).not.toContainText('ramp to');
  expect((await experiment('home-picked')).traffic).toBe(1);
  for (const [v, title] of [[a, 'Recommended for you'], [b, 'Picked for you today']] as const) {
    await v.page.reload();
    await expect(forYou(v.page).getByRole('heading')).toHaveText(title);
  }
  await picked.getByRole('button', { name: 'Pause' }).click();
  await expect(picked).toHaveAttribute('data-status', 'paused');
  await picked.getByRole('button', { name: 'Stop' }).click();
  await expect(picked).toHaveAttribute('data-status', 'ended');
  // A stopped test's readout stays readable; every change is in the log.
  await expect(page.locator('[data-testid="experiment-report"][data-experiment="home-picked"]')).toBeVisible();
  await expect(page.getByTestId('change-row').filter({ hasText: 'home-picked' }).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).resolves.toEqual(['stop', 'pause', 'ramp', 'start', 'create']);
  await a.page.context().close();
  await b.page.context().close();
});

test('the same through the API: 401 without the token, 201, 400 with the field, 409 on a change not seen, 200 through start, ramp, pause and stop', async () => {
  const api = `${server.base}/admin/api/experiments`;
  const send = (method: string, url: string, body: unknown, extra: Record<string, string> = {}) => fetch(url, { method, headers: { ...bearer, 'Content-Type': 'application/json', ...extra }, body: JSON.stringify(body) });
  expect((await fetch(api)).status).toBe(401);
  expect((await fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
  const list = await fetch(api, { headers: bearer });
  const revision = list.headers.get('etag')!;
  const body = {
    id: 'cart-shelves',
    kind: 'page-layout',
    page: 'cart',
    question: 'Does "goes well with your basket" beside "complete your basket" sell more?',
    control: 'one',
    variants: [
      { id: 'one', weight: 50, layout: [{ placement: 'cart-complete', slot: 'below-cart' }] },
      { id: 'two', weight: 50, layout: [{ placement: 'cart-complete', slot: 'below-cart' }, { placement: 'cart-upsell', slot: 'below-hero' }] },
    ],
  };
  const bad = await send('POST', api, body);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { fields: { path: string }[] }).fields.map((f) => f.path)).toContain('variants.1.layout.1.slot');
  body.variants[1]!.layout[1]!.slot = 'below-cart';
  const created = await send('POST', api, body, { 'If-Match': revision });
  expect(created.status).toBe(201);
  expect(((await created.json()) as { experiment: Experiment }).experiment).toMatchObject({ status: 'draft', salt: expect.stringMatching(/^cart-shelves:/) });
  // A change made from the revision before that create is refused, not applied over it.
  expect((await send('PATCH', `${api}/cart-shelves`, { status: 'running' }, { 'If-Match': revision })).status).toBe(409);
  for (const [change, status] of [[{ status: 'running', traffic: 0.25 }, 'running'], [{ traffic: 1 }, 'running'], [{ status: 'paused' }, 'paused'], [{ status: 'ended' }, 'ended']] as const) {
    const res = await send('PATCH', `${api}/cart-shelves`, change);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { experiment: Experiment }).experiment.status).toBe(status);
  }
  const weights = await send('PATCH', `${api}/cart-shelves`, { variants: [{ ...body.variants[0], weight: 90 }, body.variants[1]] });
  expect(weights.status).toBe(400);
  expect((await (await fetch(`${api}/cart-shelves`, { headers: bearer })).json()) as { experiment: Experiment }).toMatchObject({ experiment: { status: 'ended', traffic: 1 } });
  // A session's change from another site is refused (the cookie rides along; the Origin says where from).
  const login = await fetch(`${server.base}/admin/login`, { method: 'POST', redirect: 'manual', headers: { Origin: server.base, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${E2E_ADMIN_TOKEN}` });
  const session = login.headers.get('set-cookie')!.split(';')[0]!;
  const viaSession = (origin: string) => fetch(`${api}/cart-shelves`, { method: 'PATCH', headers: { Cookie: session, 'Content-Type': 'application/json', Origin: origin }, body: '{}' });
  expect((await viaSession('https://evil.example')).status).toBe(403);
  expect((await viaSession(server.base)).status).toBe(200);
});

test('in production the editor writes Edge Config through its REST API (a stand-in speaking it), and the store reads the change', async ({ browser }) => {
  test.setTimeout(90_000);
  const stub = await edgeConfigApiStub('ecfg_e2e', 'e2e-write-token', { ...local, experiments: local.experiments.map((e) => ({ ...e, status: 'ended' })) });
  const edge = await startNextServer({
    env: { ADMIN_TOKEN: E2E_ADMIN_TOKEN, TANDEM_DATA_DIR: `${dir}-edge`, EDGE_CONFIG: stub.connection, EDGE_CONFIG_ID: 'ecfg_e2e', VERCEL_API_TOKEN: 'e2e-write-token', VERCEL_API_URL: stub.api, TANDEM_HOLDBACK_SHARE: '0', TANDEM_NEW_VISITORS_LIMIT_ADDRESS: 'off' },
    readyPath: '/',
  });
  try {
    const api = `${edge.base}/admin/api/experiments`;
    const list = await fetch(api, { headers: bearer });
    expect(((await list.json()) as { where: string }).where).toBe('Edge Config ecfg_e2e');
    const res = await fetch(api, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json', 'If-Match': list.headers.get('etag')! },
      body: JSON.stringify({
        id: 'home-title',
        kind: 'page-layout',
        page: 'home',
        question: 'Does a warmer title draw more clicks?',
        status: 'running',
        control: 'plain',
        variants: [
          { id: 'plain', weight: 1, layout: [{ placement: 'home-for-you', slot: 'below-hero' }] },
          { id: 'warm', weight: 1000, layout: [{ placement: 'home-for-you', slot: 'below-hero', title: 'Chosen for you' }] },
        ],
      }),
    });
    expect(res.status).toBe(201);
    expect((stub.items().experiments as { id: string }[]).map((e) => e.id)).toContain('home-title');
    // Someone edits Edge Config meanwhile: the next change from the old revision is a 409.
    const revision = res.headers.get('etag')!;
    stub.set('switches', { onDeviceRanking: true, edgeRanking: true, eventCollection: true });
    const stale = await fetch(`${api}/home-title`, { method: 'PATCH', headers: { ...bearer, 'Content-Type': 'application/json', 'If-Match': revision }, body: JSON.stringify({ status: 'paused' }) });
    expect(stale.status).toBe(409);
    // The store reads the new test within its 5-second reuse of a read.
    const e = ((await (await fetch(`${api}/home-title`, { headers: bearer })).json()) as { experiment: Experiment }).experiment;
    let id: string;
    do id = randomUUID();
    while (assignVariant(e, id) !== 'warm');
    const context = await browser.newContext();
    await context.addCookies([{ name: 'tandem_vid', value: await signedVisitor(id), url: edge.base }]);
    const page = await context.newPage();
    await expect(async () => {
      await page.goto(`${edge.base}/`);
      await expect(forYou(page).getByRole('heading')).toHaveText('Chosen for you', { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await context.close();
  } finally {
    edge.stop();
    stub.close();
  }
});
