import { describe, expect, it } from 'vitest';
import { fitLine, nearestInHistory, reason, REASON_CHARS } from './reasons';

describe('reasons', () => {
  it('fit one line of the narrowest card, cut only between words', () => {
    expect(fitLine('With', 'Jumbo Bag Red Retrospot')).toBe('With Jumbo Bag Red…');
    expect(fitLine('With', 'Jumbo Bag')).toBe('With Jumbo Bag');
    expect(fitLine('With', 'Supercalifragilisticexpialidocious Mug')).toBe('With'); // no word fits: none is cut
    for (const name of ['Paper Chain Kit 50s Christmas', 'White Hanging Heart T-Light Holder', 'Set Of 3 Cake Tins Pantry Design', 'A']) {
      const line = fitLine('Like', name);
      expect(line.length).toBeLessThanOrEqual(REASON_CHARS);
      expect(name.startsWith(line.replace(/^Like ?/, '').replace(/…$/, ''))).toBe(true);
    }
  });

  it('say why in the shopper\'s words', () => {
    expect(reason('bought-with', { name: 'Jumbo Bag Red Retrospot' })).toEqual({ kind: 'bought-with', short: 'With Jumbo Bag Red…', full: 'Often bought with Jumbo Bag Red Retrospot' });
    expect(reason('bought-before', { times: 3 })).toMatchObject({ short: 'You bought this 3×', full: 'You bought this 3 times' });
    expect(reason('bought-before', { times: 1 }).short).toBe('You bought this');
    expect(reason('popular').short).toBe('Popular this week');
  });

  it('name the history product closest to the recommended one', () => {
    // 2-D: item 0 and 1 alike, 2 the other way; the history holds 1 and 2.
    const items = Float32Array.of(1, 0, 0.9, 0.1, 0, 1);
    expect(nearestInHistory(items, 2, [1, 2], 0)).toBe(1);
    expect(nearestInHistory(items, 2, [], 0)).toBeUndefined();
    expect(nearestInHistory(items, 2, [0], 0)).toBeUndefined(); // never itself
  });
});
