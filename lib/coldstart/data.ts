/**
 * The cold-start ranker's data: the active model's item embeddings, prior, signals, tower, context and item
 * names, prices and categories, read through the same verified loader as the browser (size and sha256 of
 * every file); once per server instance. Web APIs only: where the files come from is an ArtifactSource,
 * HTTP by default (a CDN serves them at the edge) or the deployment's own files (lib/artifacts/disk.ts).
 */
import { ArtifactError, fetchBytes, fetchPointer, loadModel, loadPointedModel, manifestLocation, pinnedPointer, readVerified, shelfModelOf, type ReadFile } from '../recs/artifacts';
import { VERSIONS_KEPT, type Pointer } from '../recs/manifest';
import { ColdStartContextSchema } from './context';
import type { ColdStartData } from './rank';

/** Where a server reads model versions from. */
export interface ArtifactSource {
  /** The active version (public/models/current.json), read fresh. */
  pointer(): Promise<Pointer>;
  /** Reads file names inside the pointer's version folder. */
  reader(pointer: Pointer): ReadFile;
}

/**
 * Loaded versions by version, newest use last: the current one and, while a model experiment runs, its arms'
 * (each request ranks with its visitor's), so two arms never evict each other on every request.
 */
const loaded = new Map<string, Promise<ColdStartData>>();
/** The versions in use (VERSIONS_KEPT: a model experiment's two arms) and the current one. */
const KEEP_VERSIONS = VERSIONS_KEPT + 1;
let current: Pointer | undefined;
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
 * The model's data: the version the visitor's plan names (a model experiment's arm, or Edge Config's pin), or the
 * one public/models/current.json names (re-read at most once a minute, so a new version is picked up).
 */
export async function coldStartData(pin: string | null = null, source: ArtifactSource = httpSource()): Promise<ColdStartData> {
  if (pin) return dataFor(pin, () => load(source, pinnedPointer(pin)));
  if (!current || Date.now() - checkedAt >= RECHECK_MS) {
    current = await source.pointer();
    checkedAt = Date.now();
  }
  const pointer = current;
  return dataFor(pointer.version, () => load(source, pointer));
}

function dataFor(version: string, make: () => Promise<ColdStartData>): Promise<ColdStartData> {
  let data = loaded.get(version);
  if (!data) {
    data = make();
    const mine = data;
    mine.catch(() => {
      if (loaded.get(version) === mine) loaded.delete(version); // a failed load is retried by the next request
    });
  }
  loaded.delete(version);
  loaded.set(version, data);
  for (const old of [...loaded.keys()].slice(0, Math.max(0, loaded.size - KEEP_VERSIONS))) loaded.delete(old);
  return data;
}
