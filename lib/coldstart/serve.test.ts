import { describe, expect, it, vi } from 'vitest';
import localJson from '../config/default.json' with { type: 'json' };
import { serverArtifacts } from '../artifacts/disk';
import { parseLocal } from '../config/index';
import { planShelf } from '../shelf/plan';
import { coldStartData } from './data';
import { coldStartRank } from './rank';
import { serveColdStart } from './serve';

vi.mock('server-only', () => ({}));

describe('serveColdStart', () => {
  it('answers with no session products from its kept lists, each equal to a fresh ranking for its rules, country and hour', async () => {
    const source = serverArtifacts();
    const config = parseLocal(localJson);
    const data = await coldStartData(null, source);
    const skus = (items: { sku: string }[]) => items.map((i) => i.sku);
    const seen = new Set<string>();
    for (const placement of ['home-for-you', 'cart-upsell'] as const) {
      for (const [hour, country] of [[9, 'GB'], [21, 'GB'], [9, 'FR'], [9, undefined]] as const) {
        const now = new Date(Date.UTC(2026, 0, 5, hour));
        const fresh = coldStartRank(data, planShelf(placement, config, [], { k: 12 }).rules, [], { request: { country, hour }, now: now.getTime() });
        for (let i = 0; i < 2; i++) {
          const r = await serveColdStart({ placement, k: 12, recent: [] }, config, [], { ...(country ? { country } : {}), timeZone: 'UTC' }, { now, artifacts: source });
          if (!r.ok) throw new Error(r.error);
          expect(skus(r.shelf.items), `${placement} ${hour} ${country}`).toEqual(skus(fresh));
          r.shelf.items.reverse(); // what a caller does with its answer is not the next caller's
        }
        seen.add(skus(fresh).join());
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(2); // the two placements rank differently: one key each, not one for all
  });
});
