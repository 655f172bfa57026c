import { describe, expect, it } from 'vitest';
import { addToCart, cartCount, cartSubtotal, EMPTY_CART, MAX_QUANTITY, parseCart, removeFromCart, setQuantity } from './cart';

const heart = { sku: '85123A', name: 'White Hanging Heart T-Light Holder', price: 2.55 };
const cakes = { sku: '21977', name: 'Pack of 60 Pink Paisley Cake Cases', price: 0.55 };

describe('cart', () => {
  it('adds, merges lines of one product, and counts units', () => {
    let c = addToCart(EMPTY_CART, heart, 2);
    c = addToCart(c, cakes);
    c = addToCart(c, heart);
    expect(c.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['85123A', 3],
      ['21977', 1],
    ]);
    expect(cartCount(c)).toBe(4);
  });

  it('totals in pence, without float drift', () => {
    const c = addToCart(addToCart(EMPTY_CART, heart, 3), { sku: 'X', name: 'X', price: 0.85 }, 3);
    expect(cartSubtotal(c)).toBe(10.2); // 7.65 + 2.55
  });

  it('clamps quantities and removes a line set to zero', () => {
    let c = addToCart(EMPTY_CART, heart, 500);
    expect(c.lines[0]!.quantity).toBe(MAX_QUANTITY);
    c = setQuantity(c, heart.sku, 0);
    expect(c.lines).toEqual([]);
    c = removeFromCart(addToCart(EMPTY_CART, heart), 'nope');
    expect(c.lines).toHaveLength(1);
  });

  it('reads back what it stored, and treats anything else as an empty cart', () => {
    const c = addToCart(EMPTY_CART, heart, 2);
    expect(parseCart(JSON.stringify(c))).toEqual(c);
    expect(parseCart(null)).toEqual(EMPTY_CART);
    expect(parseCart('{not json')).toEqual(EMPTY_CART);
    expect(parseCart(JSON.stringify({ version: 1, lines: [{ sku: 'A', name: 'A', price: -1, quantity: 1 }] }))).toEqual(EMPTY_CART);
  });
});
