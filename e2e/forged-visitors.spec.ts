import { expect, test } from '@playwright/test';
import { rmSync } from 'node:fs';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { parseLocal } from '../lib/config/index';
import { openSqliteStore } from '../lib/events/sqlite-store';
import type { StoredEvent } from '../lib/events/schema';
import { assignVariant } from '../lib/experiments/assign';
import { rng } from '../models/random';
import { signVisitor } from '../lib/experiments/visitor';
import { startNextServer, TEST_VISITOR_SECRET, type NextServer } from '../scripts/next-server';
import { E2E_ADMIN_TOKEN } from './browser';

// Issue 24, finding 2: from one address, mint visitor ids, keep the 100 that land in the arm you want, and send
// one exposure and 29 clicks for each. On top of 2,000 honest visitors this used to decide the experiment.
const home = parseLocal(localJson).experiments.find((e) => e.id === 'home-shelf-position')!;
const WANTED = 'above-hero';
// One after the other: each starts a server and renders a few hundred pages; two at once crowd the 2-core machine.
test.describe.configure({ mode: 'serial' });

/** 2,000 honest visitors, both arms alike: 1 to about 8 shelf views each, 5% of them clicked (seeded). */
function honest(now: number): StoredEvent[] {
  const r = rng(24_2026);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const out: StoredEvent[] = [];
  for (let v = 0; v < 2000; v++) {
    const visitor = `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
    const variant = assignVariant(home, visitor);
    let views = 1;
    while (r() < 0.66 && views < 12) views++;
    const at = now - 3_600_000 + v * 1000;
    const base = { experiment: home.id, variant, placement: 'home-for-you' as const, visitor, receivedAt: at };
    for (let i = 0; i < views; i++) {
      out.push({ ...base, id: crypto.randomUUID(), type: 'exposure', at: at + i });
      if (r() < 0.05) out.push({ ...base, id: crypto.randomUUID(), type: 'click', position: 0, at: at + i });
    }
  }
  return out;
}

interface Readout {
  decision: { kind: string };
  variants: { variant: string; visitors: number; metrics: { ctr: { value: number } } }[];
  leftOut: { reason: string; visitors: number; events: number }[];
}

async function readout(server: NextServer): Promise<Readout> {
  const res = await fetch(`${server.base}/admin/experiments/${home.id}/report.json`, { headers: { Authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Readout;
}

/** The attack, as the reviewer ran it, from this one address. Returns the visitor cookies it kept. */
async function attack(server: NextServer): Promise<{ kept: string[]; minted: string[] }> {
  const minted: string[] = [];
  const kept: string[] = [];
  for (let round = 0; round < 50 && kept.length < 100; round++) {
    const pages = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`${server.base}/`, { redirect: 'manual' });
        const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tandem_vid='))!.split(';')[0]!;
        return { cookie, html: await res.text() };
      }),
    );
    for (const p of pages) {
      minted.push(p.cookie);
      // The page says which arm the id landed in.
      if (p.html.includes(`${home.id}:${WANTED}`) && kept.length < 100) kept.push(p.cookie);
    }
  }
  const event = (type: 'exposure' | 'click') => ({ id: crypto.randomUUID(), type, experiment: home.id, variant: WANTED, placement: 'home-for-you', ...(type === 'click' ? { position: 0 } : {}), at: Date.now() });
  for (let i = 0; i < kept.length; i += 10) {
    await Promise.all(
      kept.slice(i, i + 10).map(async (cookie) => {
        const res = await fetch(`${server.base}/api/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Cookie: cookie },
          body: JSON.stringify({ events: [event('exposure'), ...Array.from({ length: 29 }, () => event('click'))] }),
        });
        expect(res.status).toBe(202);
      }),
    );
  }
  return { kept, minted };
}

for (const limit of ['default', 'off'] as const) {
  test(`issue 24: 100 forged visitors from one address against 2,000 honest ones, new-visitor limit ${limit}`, async () => {
    test.setTimeout(150_000);
    const dir = `${process.cwd()}/data/e2e-forged-${limit}`;
    rmSync(dir, { recursive: true, force: true });
    const store = openSqliteStore(`${dir}/events.sqlite`);
    await store.insert(honest(Date.now()));
    await store.close();
    const server = await startNextServer({ env: { ADMIN_TOKEN: E2E_ADMIN_TOKEN, TANDEM_DATA_DIR: dir, ...(limit === 'off' ? { TANDEM_NEW_VISITORS_LIMIT_ADDRESS: 'off' } : {}) } });
    try {
      const before = await readout(server);
      expect(before.variants.reduce((a, v) => a + v.visitors, 0)).toBe(2000);
      expect(before.decision.kind).toBe('keep-running');

      const { kept, minted } = await attack(server);
      expect(kept.length).toBe(100);
      const after = await readout(server);
      // Clicks are capped at views per visitor, whatever is sent: no arm's click-through above 1.
      for (const v of after.variants) expect(v.metrics.ctr.value).toBeLessThanOrEqual(1);
      if (limit === 'default') {
        // 10 counted ids for this address (and maybe one more from the hour's refill); the rest are marked, stored, not counted.
        const counted = minted.filter((c) => /\.c\./.test(c)).length;
        expect(counted).toBeGreaterThanOrEqual(10);
        expect(counted).toBeLessThanOrEqual(11);
        const leftOut = after.leftOut.find((l) => l.reason === 'new-visitor-limit');
        expect(leftOut?.visitors).toBe(kept.filter((c) => /\.x\./.test(c)).length);
        expect(leftOut!.visitors).toBeGreaterThanOrEqual(89);
        expect(leftOut!.events).toBe(leftOut!.visitors * 30);
        expect(after.decision.kind).toBe('keep-running');
      } else {
        // What the limit prevents: without it, the same attack picks the winner.
        expect(after.decision.kind).toBe('winner');
      }
    } finally {
      server.stop();
    }
  });
}

test('issue 34, finding 2: 60 counted ids banked a day ago from one address, spent at once, enter the readout at the allowance (10); the rest are left out and said so', async () => {
  test.setTimeout(120_000);
  const dir = `${process.cwd()}/data/e2e-stockpile`;
  rmSync(dir, { recursive: true, force: true });
  // One trusted proxy, so this client can stand for one address that is not the e2e suite's own.
  const server = await startNextServer({ env: { ADMIN_TOKEN: E2E_ADMIN_TOKEN, TANDEM_DATA_DIR: dir, TANDEM_TRUSTED_PROXIES: '1' } });
  try {
    const address = '198.51.100.34';
    const dayAgo = Date.now() - 86_400_000;
    const stock = await Promise.all(Array.from({ length: 60 }, () => signVisitor({ id: crypto.randomUUID(), counted: true, mintedAt: dayAgo }, TEST_VISITOR_SECRET)));
    const statuses: number[] = [];
    for (const cookie of stock) {
      const event = (type: 'exposure' | 'click') => ({ id: crypto.randomUUID(), type, experiment: home.id, variant: WANTED, placement: 'home-for-you', ...(type === 'click' ? { position: 0 } : {}), at: Date.now() });
      const res = await fetch(`${server.base}/api/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: `tandem_vid=${cookie}`, 'X-Forwarded-For': address },
        body: JSON.stringify({ events: [event('exposure'), event('click')] }),
      });
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 202)).toBe(true);
    const after = await readout(server);
    const counted = after.variants.reduce((a, v) => a + v.visitors, 0);
    const leftOut = after.leftOut.find((l) => l.reason === 'entry-limit');
    expect(counted).toBe(10);
    expect(leftOut?.visitors).toBe(50);
    expect(leftOut?.events).toBe(100);
    // A fresh id (minted now, its minting charged) still enters, from another address.
    const fresh = await signVisitor({ id: crypto.randomUUID(), counted: true }, TEST_VISITOR_SECRET);
    const res = await fetch(`${server.base}/api/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `tandem_vid=${fresh}`, 'X-Forwarded-For': '203.0.113.34' },
      body: JSON.stringify({ events: [{ id: crypto.randomUUID(), type: 'exposure', experiment: home.id, variant: WANTED, placement: 'home-for-you', at: Date.now() }] }),
    });
    expect(res.status).toBe(202);
    expect((await readout(server)).variants.reduce((a, v) => a + v.visitors, 0)).toBe(11);
  } finally {
    server.stop();
  }
});
