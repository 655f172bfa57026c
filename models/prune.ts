/**
 * Which version folders under public/models/ to keep: the current one, every version the store's config makes
 * shoppers rank with (its pin, the arms of model experiments not ended), and the newest N by creation; the rest
 * may go. Pure: models/prune-cli.ts reads the folders and the config and deletes.
 */
export interface VersionFolder {
  version: string;
  /** The manifest's createdAt (ISO): "newest" means most recently trained. */
  createdAt: string;
}

export type KeepReason = 'current' | 'config' | 'newest';

export interface PrunePlan {
  keep: { version: string; why: KeepReason[] }[];
  remove: string[];
}

export function planPrune(folders: readonly VersionFolder[], opts: { current: string; named: readonly string[]; newest: number }): PrunePlan {
  const byAge = [...folders].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.version.localeCompare(b.version));
  const newest = new Set(byAge.slice(0, Math.max(0, opts.newest)).map((f) => f.version));
  const named = new Set(opts.named);
  const keep: PrunePlan['keep'] = [];
  const remove: string[] = [];
  for (const { version } of byAge) {
    const why: KeepReason[] = [...(version === opts.current ? (['current'] as const) : []), ...(named.has(version) ? (['config'] as const) : []), ...(newest.has(version) ? (['newest'] as const) : [])];
    if (why.length > 0) keep.push({ version, why });
    else remove.push(version);
  }
  return { keep, remove };
}
