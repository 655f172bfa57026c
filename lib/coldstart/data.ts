/**
 * The cold-start ranker's data: the active model's item embeddings, prior, signals, tower and context, read through the
 * same verified loader as the browser (size and sha256 of every file), plus the names and prices of the
 * catalogue the model was trained on; once per server instance. Web APIs only: it fetches the static
 * artifacts over HTTP, where a CDN serves them at the edge.
 */
import { ArtifactError, fetchBytes, fetchCatalogRows, fetchPointer, loadPointedModel, manifestLocation, pinnedPointer, readVerified } from '../recs/artifacts';
import type { Pointer } from '../recs/manifest';
import { ColdStartContextSchema } from './context';
import type { ColdStartData } from './rank';

let cached: { version: string; data: Promise<ColdStartData> } | undefined;
let checkedAt = 0;
const RECHECK_MS = 60_000;

/**
 * Where the artifacts are fetched from: configured, never taken from the request's Host header (a
 * forged Host must not make the server load someone else's model for everyone).
 */
export function artifactsOrigin(): string {
  if (process.env.TANDEM_ARTIFACTS_ORIGIN) return process.env.TANDEM_ARTIFACTS_ORIGIN;
  if (process.env.VERCEL_URL) return `https://${process.env.VERCEL_URL}`;
  return `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

async function load(origin: string, pointer: Pointer): Promise<ColdStartData> {
  const base = new URL(manifestLocation(pointer).base, origin);
  const read = (p: string) => fetchBytes(new URL(p, base));
  const model = await loadPointedModel(read, pointer);
  const contextBytes = await readVerified(read, model.manifest.files.coldStart);
  const context = ColdStartContextSchema.safeParse(JSON.parse(new TextDecoder().decode(contextBytes)));
  if (!context.success) throw new ArtifactError(`${model.manifest.files.coldStart.path}: not a cold-start context`);
  const rows = new Map((await fetchCatalogRows(model.manifest.catalogVersion, origin)).map((r) => [r[0], r]));
  const missing = model.skus.find((s) => !rows.has(s));
  if (missing) throw new ArtifactError(`catalog has no product ${missing}`);
  return {
    modelVersion: model.manifest.version,
    skus: model.skus,
    index: new Map(model.skus.map((s, i) => [s, i])),
    items: model.items,
    dim: model.manifest.dim,
    prior: model.prior,
    context: context.data,
    signals: model.signals,
    tower: model.tower,
    scorer: model.manifest.scorer,
    features: model.manifest.features,
    names: model.skus.map((s) => rows.get(s)![1]),
    prices: model.skus.map((s) => rows.get(s)![2]),
    categories: model.skus.map((s) => rows.get(s)![3]),
  };
}

/**
 * The model's data: the version Edge Config pins, or the one public/models/current.json names (re-read
 * at most once a minute, so a new version is picked up).
 */
export async function coldStartData(pin: string | null = null, origin = artifactsOrigin()): Promise<ColdStartData> {
  if (pin) {
    if (cached?.version !== pin) setCached(pin, load(origin, pinnedPointer(pin)));
    return cached!.data;
  }
  if (cached && Date.now() - checkedAt < RECHECK_MS) return cached.data;
  // no-store: on the server, Next's fetch would otherwise keep the pointer in its data cache.
  const pointer = await fetchPointer(new URL('/models/current.json', origin), 'no-store');
  checkedAt = Date.now();
  if (cached?.version !== pointer.version) setCached(pointer.version, load(origin, pointer));
  return cached!.data;
}

function setCached(version: string, data: Promise<ColdStartData>) {
  cached = { version, data };
  data.catch(() => {
    if (cached?.data === data) cached = undefined; // a failed load is retried by the next request
  });
}
