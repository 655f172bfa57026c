import { describe, expect, it } from 'vitest';
import localJson from '../config/default.json' with { type: 'json' };
import { parseLocal } from '../config/index';
import { PLACEMENTS } from '../config/schema';
import type { Assignment } from '../experiments/assign';
import { RECENT_VIEW_WINDOW_MS } from '../recs/shelf-rules';
import { pageLayout, planShelf, SHELF_SIZE } from './plan';

const config = parseLocal({ ...localJson, merchandising: { 'home-for-you': { pin: ['85123A'], block: ['22423'] } } });
const completeTheSet: Assignment = { experiment: 'product-shelf-kind', kind: 'page-layout', page: 'product', variant: 'complete-the-set' };
const edgeOnly: Assignment = { experiment: 'src', kind: 'ranking-source', variant: 'edge-only' };
const position: Assignment = { experiment: 'home-shelf-position', kind: 'page-layout', page: 'home', variant: 'above-hero' };

describe('a shelf plan', () => {
  it('gives each placement its ranking, title, size and exclusions', () => {
    const forYou = planShelf('home-for-you', config, []);
    expect(forYou.rules).toEqual({ ranking: 'explore', k: SHELF_SIZE, pin: ['85123A'], block: ['22423'], excludePurchased: true, excludeViewedWithinMs: RECENT_VIEW_WINDOW_MS });
    expect(forYou.title).toBe('Recommended for you');
    const again = planShelf('home-buy-again', config, []);
    expect(again.rules.ranking).toBe('repeat');
    expect(again.rules.excludeViewedWithinMs).toBeUndefined();
    expect(again.deviceOnly).toBe(true);
    for (const p of PLACEMENTS) expect(planShelf(p, config, []).title.length).toBeGreaterThan(0);
  });

  it("turns the visitor's variants into the shelf's options", () => {
    const similar = planShelf('product-similar', config, [], { anchorSku: '85123A' });
    expect(similar.rules).toMatchObject({ anchorSku: '85123A', category: 'same' });
    expect(similar.title).toBe('You may also like');
    const other = planShelf('product-similar', config, [completeTheSet, edgeOnly], { anchorSku: '85123A' });
    expect(other.rules.category).toBe('other');
    expect(other.title).toBe('Complete the set');
    expect(other.deviceRanking).toBe(false);
    // The placement's own question is what an edge answer reports; a question about another placement is not this shelf's.
    expect(other.reported).toEqual({ id: 'product-shelf-kind', variant: 'complete-the-set' });
    expect(planShelf('cart-upsell', config, [position, edgeOnly]).reported).toEqual({ id: 'src', variant: 'edge-only' });
    expect(planShelf('cart-upsell', config, [position]).experiments).toEqual([]);
  });

  it("ranks every shelf with the visitor's model arm, else the config's pin, else the current version", () => {
    const models = parseLocal({
      ...localJson,
      modelVersion: 'cccccccccccc',
      experiments: [...localJson.experiments, { id: 'model-b', salt: 's', kind: 'model', question: 'q', status: 'running', control: 'a', variants: [{ id: 'a', weight: 1, model: 'aaaaaaaaaaaa' }, { id: 'b', weight: 1, model: 'bbbbbbbbbbbb' }] }],
    });
    const b: Assignment = { experiment: 'model-b', kind: 'model', variant: 'b' };
    for (const p of PLACEMENTS) {
      const plan = planShelf(p, models, [position, completeTheSet, b]);
      expect(plan.modelPin, p).toBe('bbbbbbbbbbbb');
      // Its exposures carry the model arm beside the placement's own question.
      expect(plan.experiments, p).toContainEqual(b);
    }
    // The edge answer names the placement's own question first, else the model.
    expect(planShelf('home-for-you', models, [position, b]).reported).toEqual({ id: 'home-shelf-position', variant: 'above-hero' });
    expect(planShelf('cart-upsell', models, [position, b, edgeOnly]).reported).toEqual({ id: 'model-b', variant: 'b' });
    expect(planShelf('home-for-you', models, []).modelPin).toBe('cccccccccccc');
    expect(planShelf('home-for-you', config, []).modelPin).toBeNull();
  });

  it('lays out a page from the config: the variant\'s shelves, slots, titles, sizes and rankings, or the default', () => {
    expect(pageLayout('home', config, []).map((s) => `${s.placement}@${s.slot}`)).toEqual(['home-buy-again@below-hero', 'home-for-you@below-hero']);
    expect(pageLayout('home', config, [position]).map((s) => `${s.placement}@${s.slot}`)).toEqual(['home-for-you@above-hero', 'home-buy-again@below-hero']);
    // A new placement test, config alone: "for you" alone above the hero, 8 items, the merged ranking, its own title.
    const test = parseLocal({
      ...localJson,
      experiments: [
        {
          id: 'home-lean', salt: 's', kind: 'page-layout', page: 'home', question: 'q', status: 'running', control: 'two',
          variants: [
            { id: 'two', weight: 1, layout: [{ placement: 'home-buy-again', slot: 'below-hero' }, { placement: 'home-for-you', slot: 'below-hero' }] },
            { id: 'one', weight: 1, layout: [{ placement: 'home-for-you', slot: 'above-hero', size: 8, ranking: 'all', title: 'Picked for you' }] },
          ],
        },
      ],
    });
    const one: Assignment = { experiment: 'home-lean', kind: 'page-layout', page: 'home', variant: 'one' };
    expect(pageLayout('home', test, [one]).map((s) => s.placement)).toEqual(['home-for-you']);
    const plan = planShelf('home-for-you', test, [one]);
    expect([plan.title, plan.rules.k, plan.rules.ranking, plan.reported]).toEqual(['Picked for you', 8, 'all', { id: 'home-lean', variant: 'one' }]);
    expect(pageLayout('product', test, [one]).map((s) => s.placement)).toEqual(['product-bought-together', 'product-similar']);
    expect(planShelf('product-bought-together', test, [], { anchorSku: '85123A' }).rules).toMatchObject({ ranking: 'complement', anchorSku: '85123A' });
    expect(planShelf('cart-complete', test, []).title).toBe('Complete your basket');
  });

  it('follows the switches', () => {
    const off = parseLocal({ ...localJson, switches: { onDeviceRanking: false, edgeRanking: false, eventCollection: true } });
    const plan = planShelf('home-for-you', off, []);
    expect([plan.deviceRanking, plan.edgeRanking]).toEqual([false, false]);
  });
});
