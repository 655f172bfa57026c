'use client';
import { useSyncExternalStore } from 'react';
import type { Cart } from '@/lib/cart/cart';
import { getCart, getServerCart, subscribeCart } from '@/lib/cart/storage';

/** The device's cart; the server (and the first client render) see an empty one. */
export function useCart(): Cart {
  return useSyncExternalStore(subscribeCart, getCart, getServerCart);
}
