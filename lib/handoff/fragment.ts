/**
 * The handoff fragment: what the companion app (or a fresh browser) needs to personalise at once, the
 * shopper's recent product codes and cart, carried in the URL fragment so it never reaches a server
 * (browsers do not send fragments). Versioned, bounded, validated on decode; no personal data.
 *
 *   #v=1&h=85123A,22423&c=85123A:2,21212:1
 */
import '../zod-jitless';
import { z } from 'zod';
import { SKU_PATTERN } from '../catalog/sku';

export const FRAGMENT_VERSION = 1;
export const MAX_HISTORY = 20;
export const MAX_CART_LINES = 30;
export const MAX_QUANTITY = 999;
/** Far below every browser's and iOS's URL limits, with room for the path. */
export const MAX_FRAGMENT_LENGTH = 1024;

const sku = z.string().regex(SKU_PATTERN);

export const HandoffSchema = z.strictObject({
  history: z.array(sku).max(MAX_HISTORY),
  cart: z.array(z.strictObject({ sku, quantity: z.number().int().min(1).max(MAX_QUANTITY) })).max(MAX_CART_LINES),
});
export type HandoffState = z.infer<typeof HandoffSchema>;

/** Encodes as much as fits: newest history first, then the cart; a state never exceeds the bound. */
export function encodeHandoff(state: HandoffState): string {
  const clean = HandoffSchema.parse({
    history: [...new Set(state.history)].slice(0, MAX_HISTORY),
    cart: state.cart.slice(0, MAX_CART_LINES),
  });
  let history = clean.history;
  let cart = clean.cart;
  const build = () => {
    const q = [`v=${FRAGMENT_VERSION}`];
    if (history.length) q.push(`h=${history.join(',')}`);
    if (cart.length) q.push(`c=${cart.map((l) => `${l.sku}:${l.quantity}`).join(',')}`);
    return q.join('&');
  };
  // Codes are at most 12 characters, so the bound is only reached by long carts: trim history first.
  while (build().length > MAX_FRAGMENT_LENGTH && history.length) history = history.slice(0, -1);
  while (build().length > MAX_FRAGMENT_LENGTH && cart.length) cart = cart.slice(0, -1);
  return build();
}

export type DecodeResult = { ok: true; state: HandoffState } | { ok: false; error: string };

/** Reads a fragment (with or without '#'); anything unexpected is refused with the reason. */
export function decodeHandoff(fragment: string): DecodeResult {
  const raw = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (raw.length > MAX_FRAGMENT_LENGTH) return { ok: false, error: `handoff longer than ${MAX_FRAGMENT_LENGTH} characters` };
  const params = new URLSearchParams(raw);
  const keys = [...params.keys()];
  if (new Set(keys).size !== keys.length) return { ok: false, error: 'a handoff field appears twice' };
  const unknown = keys.find((k) => !['v', 'h', 'c'].includes(k));
  if (unknown) return { ok: false, error: `unknown handoff field "${unknown.slice(0, 20)}"` };
  if (params.get('v') !== String(FRAGMENT_VERSION)) return { ok: false, error: `unsupported handoff version "${(params.get('v') ?? '').slice(0, 10)}"` };
  const list = (s: string | null) => (s ? s.split(',') : []);
  const cart = list(params.get('c')).map((line) => {
    const [code, qty, ...rest] = line.split(':');
    return rest.length ? { sku: '', quantity: 0 } : { sku: code ?? '', quantity: Number(qty) };
  });
  const parsed = HandoffSchema.safeParse({ history: list(params.get('h')), cart });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `invalid handoff ${issue.path.join('.')}: ${issue.message}` };
  }
  return { ok: true, state: parsed.data };
}
