import { describe, expect, it } from 'vitest';
import { countsAsEntry, countsAsNewVisitor, FRESH_MS, type Visitor } from '../experiments/visitor';
import { labelEntries } from './entry';
import type { LeftOutReason, StoredEvent } from './schema';

const NOW = Date.UTC(2026, 11, 7, 4);
let n = 0;
const ev = (type: StoredEvent['type'], visitor: string, experiment: string | null): StoredEvent => ({
  id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`,
  type,
  experiment,
  variant: experiment ? 'a' : null,
  placement: 'home-for-you',
  at: NOW,
  visitor,
  receivedAt: NOW,
  ...(type === 'click' ? { position: 0 } : {}),
});
const none = async () => new Map<string, LeftOutReason | null>();

describe('entering an experiment (issue 34: counted ids banked for days, then spent at once)', () => {
  it("past the address's allowance an entering id is left out of that experiment, its clicks too, and nothing else", async () => {
    const old: Visitor = { id: 'old', counted: true, mintedAt: NOW - 3 * 86_400_000 };
    const out = await labelEntries([ev('exposure', old.id, 'home'), ev('click', old.id, 'home'), ev('add-to-cart', old.id, null)], old, '10.0.0.1', none, async () => false);
    expect(out.map((e) => e.leftOut)).toEqual(['entry-limit', 'entry-limit', undefined]);
  });

  it('a fresh id enters without spending (its minting was charged); an id older than an hour, or of unknown age, spends', async () => {
    const address = '192.0.2.76';
    const fresh: Visitor = { id: 'fresh', counted: true, mintedAt: NOW - FRESH_MS / 2 };
    for (let i = 0; i < 50; i++) expect(await countsAsEntry(fresh, address, NOW)).toBe(true);
    const spends = async (v: Visitor) => {
      let yes = 0;
      for (let i = 0; i < 50; i++) if (await countsAsEntry(v, address, NOW)) yes++;
      return yes;
    };
    expect(await spends({ id: 'old', counted: true, mintedAt: NOW - FRESH_MS - 1 })).toBe(10);
    expect(await spends({ id: 'v1', counted: true, mintedAt: null })).toBe(0);
    expect(await countsAsEntry({ id: 'x', counted: false, mintedAt: NOW }, '192.0.2.75', NOW)).toBe(false);
  });

  it('decides once: an experiment the visitor entered keeps its verdict, counted or left out, without spending again', async () => {
    const old: Visitor = { id: 'old2', counted: true, mintedAt: null };
    let charges = 0;
    const counts = async () => (charges++, true);
    const entered = async () => new Map<string, LeftOutReason | null>([['home', 'entry-limit'], ['cart', null]]);
    const out = await labelEntries([ev('exposure', old.id, 'home'), ev('exposure', old.id, 'cart'), ev('click', old.id, 'pdp')], old, '10.0.0.2', entered, counts);
    expect(out.map((e) => e.leftOut)).toEqual(['entry-limit', undefined, undefined]);
    expect(charges).toBe(0); // a click alone is no entry
  });

  it('a stockpile replayed: 240 ids a day old from one address, each entering the experiment at once, are counted for its allowance (10)', async () => {
    const address = '192.0.2.77';
    let counted = 0;
    for (let i = 0; i < 240; i++) {
      const v: Visitor = { id: `stock-${i}`, counted: true, mintedAt: NOW - 86_400_000 };
      const [e] = await labelEntries([ev('exposure', v.id, 'home')], v, address, none, (x, a) => countsAsEntry(x, a, NOW + i));
      if (!e!.leftOut) counted++;
    }
    expect(counted).toBe(10);
    // The same allowance pays for minting: the address has none left for a new counted id either.
    expect(await countsAsNewVisitor(address, NOW + 1000)).toBe(false);
  });

  it("one request's readouts share one charge (a shelf's view enters its layout test and its holdback at once); a readout entered later is charged again", async () => {
    const old: Visitor = { id: 'old3', counted: true, mintedAt: null };
    let charges = 0;
    const counts = async () => (charges++, true);
    const held = (e: StoredEvent): StoredEvent => ({ ...e, holdback: { experiment: 'hb-0-home-for-you', arm: 'model' } });
    const out = await labelEntries([held(ev('exposure', old.id, 'home')), held(ev('click', old.id, 'home'))], old, '10.0.0.3', none, counts);
    expect(charges).toBe(1);
    expect(out.every((e) => !e.leftOut && !e.holdback?.leftOut)).toBe(true);
    const later = await labelEntries([ev('exposure', old.id, 'cart')], old, '10.0.0.3', async () => new Map([['home', null], ['hb-0-home-for-you', null]]), async () => (charges++, false));
    expect(charges).toBe(2);
    expect(later[0]!.leftOut).toBe('entry-limit');
    // Refused: both readouts of the request leave the visitor out.
    const refused = await labelEntries([held(ev('exposure', 'old4', 'home'))], { id: 'old4', counted: true, mintedAt: null }, '10.0.0.3', none, async () => false);
    expect(refused[0]).toMatchObject({ leftOut: 'entry-limit', holdback: { leftOut: 'entry-limit' } });
  });

  it('an IPv6 site (/48) fans out to three addresses\' worth, not 65,536', async () => {
    let counted = 0;
    for (let i = 0; i < 100; i++) if (await countsAsNewVisitor(`2001:db8:77:${i.toString(16)}::1`, NOW)) counted++;
    expect(counted).toBe(30);
  });
});
