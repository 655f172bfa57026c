/**
 * `npm run data:scale -- --copies K [--out FILE]`: writes the purchase log K times over (models/scale-data.ts),
 * gzipped, to data/scale/online-retail-x<K>.csv.gz unless told otherwise, and says how to train and serve it.
 */
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { locateDataset, readLog } from './data';
import { MAX_COPIES, scaledCsv } from './scale-data';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const copies = Number(arg('--copies'));
if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
  console.error(`data:scale: --copies takes a whole number from 1 to ${MAX_COPIES}, e.g. npm run data:scale -- --copies 10`);
  process.exit(2);
}
const root = process.cwd();
const source = locateDataset(root);
const out = path.resolve(root, arg('--out') ?? path.join('data', 'scale', `online-retail-x${copies}.csv.gz`));
const started = performance.now();
const rows = readLog(source);
mkdirSync(path.dirname(out), { recursive: true });
// Written beside the target and renamed, so a reader never sees half a file.
await pipeline(Readable.from(scaledCsv(rows, copies)), createGzip({ level: 6 }), createWriteStream(`${out}.tmp`));
renameSync(`${out}.tmp`, out);
const rel = path.relative(root, out);
console.log(`data:scale: ${rows.length.toLocaleString('en-GB')} rows of ${path.relative(root, source) || source} × ${copies} = ${(rows.length * copies).toLocaleString('en-GB')} rows → ${rel} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(`data:scale: train it with  TANDEM_DATASET=${rel} npm run models   (in a separate checkout: it rebuilds data/catalog.json and public/models/)`);
