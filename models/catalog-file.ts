/** Writing data/catalog.json and deciding whether it is stale. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalogFile, type CatalogFile } from '../lib/catalog/types';
import { buildCatalog } from './catalog';
import { graphHash } from './code-graph';
import { cleanLog, DatasetNotFoundError, locateDataset, parseLog } from './data';

export const CATALOG_PATH = path.join('data', 'catalog.json');

// The code whose output the catalog is (the log's parser and the catalogue builder, with what they import):
// change any of it and the catalog is rebuilt.
const CATALOG_ENTRIES = ['models/data.ts', 'models/catalog.ts'];

const sha256 = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

export function codeHash(): string {
  return graphHash(CATALOG_ENTRIES);
}

export type Staleness = { stale: false } | { stale: true; why: string };

/** Whether data/catalog.json is missing or was built from another data set or other code. */
export function catalogStaleness(root: string, dataset: string): Staleness {
  const file = path.join(root, CATALOG_PATH);
  if (!existsSync(file)) return { stale: true, why: 'no catalog yet' };
  let current: CatalogFile;
  try {
    current = parseCatalogFile(readFileSync(file, 'utf8'));
  } catch (e) {
    return { stale: true, why: `catalog file unreadable (${(e as Error).message})` };
  }
  if (current.formatVersion !== 1) return { stale: true, why: 'catalog format changed' };
  if (current.source?.datasetSha256 !== sha256(readFileSync(dataset))) return { stale: true, why: 'data set changed' };
  if (current.source?.codeSha256 !== codeHash()) return { stale: true, why: 'catalog code changed' };
  return { stale: false };
}

export type WriteResult = { ok: true; file: string; catalog: CatalogFile } | { ok: false; error: string };

export function writeCatalog(
  root: string,
  log: (line: string) => void = console.log,
  env: Record<string, string | undefined> = process.env,
): WriteResult {
  let dataset: string;
  try {
    dataset = locateDataset(root, env);
  } catch (e) {
    if (e instanceof DatasetNotFoundError) return { ok: false, error: e.message };
    throw e;
  }
  const started = performance.now();
  const bytes = readFileSync(dataset);
  log(`catalog: reading ${path.relative(root, dataset) || dataset}`);
  const clean = cleanLog(parseLog(bytes));
  const built = buildCatalog(clean.purchases);

  log(`catalog: ${clean.rows.toLocaleString('en-GB')} rows, ${clean.purchases.length.toLocaleString('en-GB')} kept as purchases`);
  for (const [reason, n] of Object.entries(clean.dropped)) if (n > 0) log(`  dropped ${String(n).padStart(6)}  ${reason}`);
  const codes = Object.entries(clean.droppedCodes).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) log(`  non-product codes: ${codes.map(([c, n]) => `${c} (${n})`).join(', ')}`);

  const body = { categories: built.categories, products: built.products };
  const catalog: CatalogFile = {
    formatVersion: 1,
    version: sha256(JSON.stringify(body)).slice(0, 12),
    generatedAt: new Date().toISOString(),
    source: {
      dataset: path.relative(root, dataset) || dataset,
      datasetSha256: sha256(bytes),
      codeSha256: codeHash(),
      firstDate: built.firstDate,
      lastDate: built.lastDate,
    },
    ...body,
  };
  const file = path.join(root, CATALOG_PATH);
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so a server reading the catalog never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(catalog));
  renameSync(`${file}.tmp`, file);

  log(`catalog: ${built.products.length.toLocaleString('en-GB')} products in ${built.categories.length} categories, ${built.firstDate} to ${built.lastDate}`);
  log(`  ${built.categories.map((c) => `${c.label} ${c.count}`).join(' · ')}`);
  log(`catalog: wrote ${CATALOG_PATH} (version ${catalog.version}) in ${Math.round(performance.now() - started)} ms`);
  return { ok: true, file, catalog };
}
