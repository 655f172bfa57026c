/** The cart in localStorage, as an external store React can subscribe to (also across tabs). */
import { EMPTY_CART, parseCart, type Cart } from './cart';

export const CART_KEY = 'tandem.cart.v1';

let current: Cart | undefined;
const listeners = new Set<() => void>();

function read(): Cart {
  try {
    return parseCart(window.localStorage.getItem(CART_KEY));
  } catch {
    return EMPTY_CART; // storage disabled (private mode, policies): the cart lives for this page only
  }
}

export function getCart(): Cart {
  current ??= read();
  return current;
}

export function getServerCart(): Cart {
  return EMPTY_CART;
}

export function updateCart(change: (cart: Cart) => Cart): void {
  current = change(getCart());
  try {
    window.localStorage.setItem(CART_KEY, JSON.stringify(current));
  } catch {
    // quota or disabled storage: keep the in-memory cart
  }
  listeners.forEach((l) => l());
}

function onStorage(e: StorageEvent) {
  if (e.key !== CART_KEY) return;
  current = read();
  listeners.forEach((l) => l());
}

export function subscribeCart(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('storage', onStorage);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('storage', onStorage);
  };
}
