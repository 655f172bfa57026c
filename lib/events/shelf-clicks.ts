/**
 * Which products this browser clicked on a recommendation shelf, kept on the device only (localStorage), so an
 * order line can say "clicked on a shelf first" without any click event carrying a product code. Entries older
 * than the attribution window are forgotten.
 */
const KEY = 'tandem-shelf-clicks';
/** A click counts towards an order placed within this long after it. */
export const ATTRIBUTION_MS = 30 * 86_400_000;
const MAX = 200;

function read(): Record<string, number> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export function rememberShelfClick(sku: string, now = Date.now()): void {
  const clicks = read();
  clicks[sku] = now;
  const kept = Object.entries(clicks)
    .filter(([, at]) => typeof at === 'number' && now - at < ATTRIBUTION_MS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    // storage full or disabled: the order line just won't say it came from a shelf
  }
}

/** "Clear my history" clears this too: it is part of what the device knows about the shopper. */
export function forgetShelfClicks(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // storage disabled: nothing was kept
  }
}

export function clickedOnShelf(sku: string, now = Date.now()): boolean {
  const at = read()[sku];
  return typeof at === 'number' && now - at < ATTRIBUTION_MS;
}
