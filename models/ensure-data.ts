/** Run before build and start: rebuilds the catalog and the model only when missing or stale. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PointerSchema } from '../lib/recs/manifest';
import { catalogStaleness, writeCatalog } from './catalog-file';
import { locateDataset } from './data';
import { modelInputsHash, MODELS_DIR, readCatalog, readPurchases, runPipeline } from './pipeline';

export function ensureCatalog(root: string): void {
  const s = catalogStaleness(root, locateDataset(root));
  if (!s.stale) {
    console.log('catalog: up to date');
    return;
  }
  console.log(`catalog: rebuilding (${s.why})`);
  const r = writeCatalog(root);
  if (!r.ok) throw new Error(r.error);
}

/** Why the shipped model must be rebuilt, or null when it is current. */
export function modelStaleness(root: string, catalog: Parameters<typeof modelInputsHash>[0]): string | null {
  const file = path.join(root, MODELS_DIR, 'current.json');
  if (!existsSync(file)) return 'no model yet';
  const pointer = PointerSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!pointer.success) return 'pointer unreadable';
  if (!existsSync(path.join(root, 'public', pointer.data.manifest))) return 'manifest missing';
  if (pointer.data.inputsHash !== modelInputsHash(catalog)) return 'catalog, data set or model code changed';
  return null;
}

export async function ensureData(root: string): Promise<void> {
  ensureCatalog(root);
  const catalog = readCatalog(root);
  const why = modelStaleness(root, catalog);
  if (!why) console.log('models: up to date');
  else {
    console.log(`models: rebuilding (${why})`);
    (await runPipeline(root, catalog, readPurchases(root))).makeCurrent();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await ensureData(process.cwd());
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
