/**
 * `npm run models [-- --ablation]`: (re)builds the catalog if needed, then trains, evaluates and exports the model.
 * `-- --check` (CI): trains from scratch in a scratch folder and fails unless it reproduces the committed
 * version (public/models/current.json) and validation model bit for bit: the shipped artifacts are what this
 * code makes from this data.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PointerSchema } from '../lib/recs/manifest';
import { ensureCatalog, modelStaleness } from './ensure-data';
import { MODELS_DIR, readCatalog, readPurchases, runPipeline, VALIDATION_DIR } from './pipeline';

const root = process.cwd();
ensureCatalog(root);
const catalog = readCatalog(root);
const version = (dir: string) => PointerSchema.parse(JSON.parse(readFileSync(path.join(dir, 'current.json'), 'utf8'))).version;

if (process.argv.includes('--check')) {
  const stale = modelStaleness(root, catalog);
  if (stale) {
    console.error(`models --check: the committed model is stale (${stale}): run npm run models and commit public/models and data/models/validation`);
    process.exit(1);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'tandem-models-check-'));
  mkdirSync(path.join(scratch, MODELS_DIR), { recursive: true });
  try {
    await runPipeline(scratch, catalog, readPurchases(root));
    const pairs = [MODELS_DIR, VALIDATION_DIR].map((dir) => ({ dir, committed: version(path.join(root, dir)), trained: version(path.join(scratch, dir)) }));
    for (const p of pairs) console.log(`models --check: ${p.dir}: committed ${p.committed}, retrained ${p.trained}`);
    if (pairs.some((p) => p.committed !== p.trained)) {
      console.error('models --check: retraining does not reproduce the committed artifacts');
      process.exit(1);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  await runPipeline(root, catalog, readPurchases(root), { ablation: process.argv.includes('--ablation') });
}
