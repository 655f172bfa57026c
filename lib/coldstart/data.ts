/**
 * The cold-start ranker's data: the active model's item embeddings, prior, signals, tower, context and item
 * names, prices and categories, read through the same verified loader as the browser (size and sha256 of
 * every file); once per server instance. Web APIs only: where the files come from is an ArtifactSource,
 * HTTP by default (a CDN serves them at the edge) or the deployment's own files (lib/artifacts/disk.ts).
 */
import { ArtifactError, fetchBytes, fetchPointer, loadModel, loadPointedModel, manifestLocation, pinnedPointer, readVerified, shelfModelOf, type ReadFile } from '../recs/artifacts';
import type { Pointer } from '../recs/manifest';
import { ColdStartContextSchema } from './context';
import type { ColdStartData } from './rank';

/** Where a server reads model versions from. */
export interface ArtifactSource {
  /** The active version (public/models/current.json), read fresh. */
  pointer(): Promise<Pointer>;
  /** Reads file names inside the pointer's version folder. */
  reader(pointer: Pointer): ReadFile;
}

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

/** The static files over HTTP: what an edge function without a file system does. */
export function httpSource(origin = artifactsOrigin()): ArtifactSource {
  return {
    // no-store: on the server, Next's fetch would otherwise keep the pointer in its data cache.
    pointer: () => fetchPointer(new URL('/models/current.json', origin), 'no-store'),
    reader: (pointer) => {
      const base = new URL(manifestLocation(pointer).base, origin);
      return (p) => fetchBytes(new URL(p, base));
    },
  };
}

async function load(source: ArtifactSource, pointer: Pointer): Promise<ColdStartData> {
  const read = source.reader(pointer);
  const model = await loadPointedModel(read, pointer, loadModel);
  const contextBytes = await readVerified(read, model.manifest.files.coldStart);
  const context = ColdStartContextSchema.safeParse(JSON.parse(new TextDecoder().decode(contextBytes)));
  if (!context.success) throw new ArtifactError(`${model.manifest.files.coldStart.path}: not a cold-start context`);
  return {
    ...shelfModelOf(model),
    modelVersion: model.manifest.version,
    tower: model.tower,
    context: context.data,
  };
}

/**
 * The model's data: the version Edge Config pins, or the one public/models/current.json names (re-read
 * at most once a minute, so a new version is picked up).
 */
export async function coldStartData(pin: string | null = null, source: ArtifactSource = httpSource()): Promise<ColdStartData> {
  if (pin) {
    if (cached?.version !== pin) setCached(pin, load(source, pinnedPointer(pin)));
    return cached!.data;
  }
  if (cached && Date.now() - checkedAt < RECHECK_MS) return cached.data;
  const pointer = await source.pointer();
  checkedAt = Date.now();
  if (cached?.version !== pointer.version) setCached(pointer.version, load(source, pointer));
  return cached!.data;
}

function setCached(version: string, data: Promise<ColdStartData>) {
  cached = { version, data };
  data.catch(() => {
    if (cached?.data === data) cached = undefined; // a failed load is retried by the next request
  });
}
