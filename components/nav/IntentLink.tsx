'use client';
import Link from 'next/link';
import { useState, type ComponentProps } from 'react';
import { warmParts } from '@/lib/device/client';

/**
 * The store's link: `next/link` that prefetches the page when the shopper reaches for it (pointer over it,
 * keyboard focus, a finger down) instead of when it scrolls into view. A first visit shows dozens of links
 * (the header's categories, every card); prefetching them all cost 70 to 170 KB of the first visit's bytes,
 * mostly for pages nobody opened. Hover comes 100 ms or more before a click, enough for the small page
 * payload. `prefetch={false}` still means never (a list the server must not learn, docs/recommender.md).
 * `warmSku`: a product's link also readies the device's catalogue parts for that product's page (a catalogue
 * in parts, lib/device/client.ts `warmParts`), under the same rule: never where prefetching is off.
 */
export function IntentLink({ prefetch, warmSku, onMouseEnter, onFocus, onTouchStart, ...props }: ComponentProps<typeof Link> & { warmSku?: string }) {
  const [intent, setIntent] = useState(false);
  const reach = () => {
    if (!intent && warmSku && prefetch !== false) warmParts([warmSku]);
    setIntent(true);
  };
  return (
    <Link
      {...props}
      // null is next/link's default prefetching, switched on once the shopper shows intent.
      prefetch={prefetch === false || !intent ? false : (prefetch ?? null)}
      onMouseEnter={(e) => {
        reach();
        onMouseEnter?.(e);
      }}
      onFocus={(e) => {
        reach();
        onFocus?.(e);
      }}
      onTouchStart={(e) => {
        reach();
        onTouchStart?.(e);
      }}
    />
  );
}
