/**
 * The cold-start ranker's data: the active model's item embeddings and prior, read through the same
 * verified loader as the browser (size and sha256 of every file), once per server instance. Web APIs only:
 * it fetches the static artifacts from the store's own origin, where a CDN serves them at the edge.
 */
import { loadModel } from '../recs/artifacts';
import { PointerSchema } from '../recs/manifest';
import type { ColdStartData } from './rank';

let cached: { version: string; data: Promise<ColdStartData> } | undefined;
let checkedAt = 0;
const RECHECK_MS = 60_000;

async function load(origin: string, manifestPath: string): Promise<ColdStartData> {
  const base = new URL(manifestPath.slice(0, manifestPath.lastIndexOf('/') + 1), origin);
  const model = await loadModel(async (p) => {
    const res = await fetch(new URL(p, base));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }, manifestPath.slice(manifestPath.lastIndexOf('/') + 1));
  return {
    modelVersion: model.manifest.version,
    skus: model.skus,
    index: new Map(model.skus.map((s, i) => [s, i])),
    items: model.items,
    dim: model.manifest.dim,
    prior: model.prior,
  };
}

/** The active model's data; the pointer is re-read at most once a minute, so a new version is picked up. */
export async function coldStartData(origin: string): Promise<ColdStartData> {
  if (cached && Date.now() - checkedAt < RECHECK_MS) return cached.data;
  const res = await fetch(new URL('/models/current.json', origin), { cache: 'no-store' });
  if (!res.ok) throw new Error(`/models/current.json: HTTP ${res.status}`);
  const pointer = PointerSchema.parse(await res.json());
  checkedAt = Date.now();
  if (cached?.version !== pointer.version) {
    const data = load(origin, pointer.manifest);
    cached = { version: pointer.version, data };
    data.catch(() => {
      if (cached?.data === data) cached = undefined; // a failed load is retried by the next request
    });
  }
  return cached.data;
}
