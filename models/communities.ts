/**
 * Communities: parts of a catalogue that no customer crosses (regional storefronts listing the same goods under
 * their own codes, a marketplace's shops; the scale data set's copies). Products are linked when one customer
 * bought both; a connected component with at least MIN_COMMUNITY_PRODUCTS products is a community. A catalogue
 * with fewer than two has none, which is what one shop is: every product a few shared customers from every other.
 *
 * Two things read them. Training draws most tower batches from one community (models/batches.ts). And the
 * shipped scorer never ranks a product of a community the shopper's history has no product in
 * (lib/recs/score.ts `isCandidate`): its twin in the shopper's own storefront is what they can buy. Products in
 * no community (too few buyers to tell, or new) stay open to everyone.
 */

export const MIN_COMMUNITY_PRODUCTS = 100;

/** Each product's component (the smallest product index in it), linking every pair a customer bought. */
export function componentLabels(customers: Iterable<ArrayLike<number>>, n: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const items of customers)
    for (let k = 1; k < items.length; k++) {
      const [a, b] = [find(items[0]!), find(items[k]!)];
      // The smaller root wins: the labels do not depend on the order customers come in.
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  return Int32Array.from({ length: n }, (_, i) => find(i));
}

export interface Communities {
  /** Per product: its community, 1…count, or 0 (open: in none). */
  community: Uint16Array;
  count: number;
}

/** The components big enough to be communities, numbered 1… in order of their smallest product; none if fewer than two. */
export function tagCommunities(labels: Int32Array, bought: (i: number) => boolean, min = MIN_COMMUNITY_PRODUCTS): Communities {
  const size = new Map<number, number>();
  labels.forEach((l, i) => {
    if (bought(i)) size.set(l, (size.get(l) ?? 0) + 1);
  });
  const big = [...size.entries()].filter(([, s]) => s >= min).map(([l]) => l).sort((a, b) => a - b);
  if (big.length < 2) return { community: new Uint16Array(labels.length), count: 0 };
  if (big.length > 0xffff) throw new Error(`${big.length} communities: more than 16 bits hold`);
  const id = new Map(big.map((l, k) => [l, k + 1]));
  return { community: Uint16Array.from(labels, (l, i) => (bought(i) ? (id.get(l) ?? 0) : 0)), count: big.length };
}

/** The communities of the customers' purchases (each customer's distinct product indexes). */
export function communitiesOf(customers: readonly ArrayLike<number>[], n: number, min = MIN_COMMUNITY_PRODUCTS): Communities {
  const bought = new Uint8Array(n);
  for (const items of customers) for (let k = 0; k < items.length; k++) bought[items[k]!] = 1;
  return tagCommunities(componentLabels(customers, n), (i) => bought[i] === 1, min);
}
