/**
 * The cold-start ranker's data: the active model's item embeddings and prior, read through the same
 * verified loader as the browser (size and sha256 of every file), once per server instance. Web APIs only:
 * it fetches the static artifacts from the store's own origin, where a CDN serves them at the edge.
 */
import { fetchBytes, fetchPointer, loadPointedModel, manifestLocation } from '../recs/artifacts';
import type { Pointer } from '../recs/manifest';
import type { ColdStartData } from './rank';

let cached: { version: string; data: Promise<ColdStartData> } | undefined;
let checkedAt = 0;
const RECHECK_MS = 60_000;

async function load(origin: string, pointer: Pointer): Promise<ColdStartData> {
  const base = new URL(manifestLocation(pointer).base, origin);
  const model = await loadPointedModel((p) => fetchBytes(new URL(p, base)), pointer);
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
  // no-store: on the server, Next's fetch would otherwise keep the pointer in its data cache.
  const pointer = await fetchPointer(new URL('/models/current.json', origin), 'no-store');
  checkedAt = Date.now();
  if (cached?.version !== pointer.version) {
    const data = load(origin, pointer);
    cached = { version: pointer.version, data };
    data.catch(() => {
      if (cached?.data === data) cached = undefined; // a failed load is retried by the next request
    });
  }
  return cached.data;
}
