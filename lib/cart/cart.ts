/** The cart is kept on the device; these pure functions are its only rules. */
import '../zod-jitless';
import { z } from 'zod';

export const MAX_QUANTITY = 99;
export const MAX_LINES = 100;

const LineSchema = z.object({
  sku: z.string().min(1).max(32),
  // Name and price are a snapshot taken when the product was added, so the cart renders offline.
  name: z.string().min(1).max(200),
  price: z.number().nonnegative().finite(),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
});
export const CartSchema = z.object({ version: z.literal(1), lines: z.array(LineSchema).max(MAX_LINES) });

export type CartLine = z.infer<typeof LineSchema>;
export type Cart = z.infer<typeof CartSchema>;

export const EMPTY_CART: Cart = { version: 1, lines: [] };

/** Whatever was stored: a valid cart, or an empty one (never an exception). */
export function parseCart(raw: string | null): Cart {
  if (!raw) return EMPTY_CART;
  try {
    const parsed = CartSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : EMPTY_CART;
  } catch {
    return EMPTY_CART;
  }
}

const clamp = (n: number) => Math.max(1, Math.min(MAX_QUANTITY, Math.floor(n)));

export function addToCart(cart: Cart, item: Omit<CartLine, 'quantity'>, quantity = 1): Cart {
  const existing = cart.lines.find((l) => l.sku === item.sku);
  if (existing) return setQuantity(cart, item.sku, existing.quantity + quantity);
  if (cart.lines.length >= MAX_LINES) return cart;
  return { ...cart, lines: [...cart.lines, { ...item, quantity: clamp(quantity) }] };
}

export function setQuantity(cart: Cart, sku: string, quantity: number): Cart {
  if (!Number.isFinite(quantity) || quantity < 1) return removeFromCart(cart, sku);
  return { ...cart, lines: cart.lines.map((l) => (l.sku === sku ? { ...l, quantity: clamp(quantity) } : l)) };
}

export function removeFromCart(cart: Cart, sku: string): Cart {
  return { ...cart, lines: cart.lines.filter((l) => l.sku !== sku) };
}

export function cartCount(cart: Cart): number {
  return cart.lines.reduce((n, l) => n + l.quantity, 0);
}

// In pence, so 3 × £0.85 is £2.55 and not £2.5499999.
const linePence = (l: CartLine) => Math.round(l.price * 100) * l.quantity;

export function lineTotal(line: CartLine): number {
  return linePence(line) / 100;
}

export function cartSubtotal(cart: Cart): number {
  return cart.lines.reduce((p, l) => p + linePence(l), 0) / 100;
}
