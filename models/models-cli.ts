/**
 * `npm run models [-- --ablation] [--until YYYY-MM-DD] [--candidate] [--force] [--with-store-orders]`: (re)builds the catalog if needed,
 * then trains, evaluates and exports a version. `--until` trains on the log up to that day (a past model, a
 * backtest). `--candidate` writes the version folder and stops: `npm run promote -- VERSION` makes it current
 * through the gate (models/gate.ts). Without it the new version goes through the same gate before it becomes
 * current (`--force` overrides, and says so); the first version, or the same version again, passes.
 * `--with-store-orders` joins the orders the store recorded (models/store-orders.ts) to the log first.
 * `-- --check` (CI): trains from scratch in a scratch folder and fails unless it reproduces the committed
 * version (public/models/current.json) and validation model bit for bit: the shipped artifacts are what this
 * code makes from this data.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PointerSchema } from '../lib/recs/manifest';
import { ensureCatalog, modelStaleness } from './ensure-data';
import { gateVersions } from './promote';
import { MODELS_DIR, readCatalog, readPurchases, runPipeline, VALIDATION_DIR } from './pipeline';
import { DAY, toMillis } from './time';
import type { Purchase } from './data';
import { openConfiguredStore } from '../lib/events/configured-store';
import { joinPurchases, storePurchases } from './store-orders';

const root = process.cwd();
ensureCatalog(root);

const catalog = readCatalog(root);
const version = (dir: string) => PointerSchema.parse(JSON.parse(readFileSync(path.join(dir, 'current.json'), 'utf8'))).version;
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** The log joined with the orders the configured events store recorded (SQLite, or PostgreSQL with DATABASE_URL). */
async function withStoreOrders(log: Purchase[]): Promise<Purchase[]> {
  const store = openConfiguredStore();
  try {
    const own = storePurchases(await store.orders(), catalog);
    const first = own.purchases[0]?.date;
    console.log(
      `models: --with-store-orders: ${own.orders.toLocaleString('en-GB')} orders from the ${store.kind} events store, ${own.purchases.length.toLocaleString('en-GB')} lines by ${own.customers.toLocaleString('en-GB')} visitors` +
        (own.skippedLines > 0 ? ` (${own.skippedLines} lines for products not in the catalogue left out)` : '') +
        (own.overDailyLimit > 0 ? `; ${own.overDailyLimit.toLocaleString('en-GB')} orders over a visitor's daily limits left out` : '') +
        (own.notCounted > 0 ? `; ${own.notCounted.toLocaleString('en-GB')} orders from visitors the readouts leave out (ids minted over an address's allowance) left out` : '') +
        (own.backDated > 0 ? `; ${own.backDated.toLocaleString('en-GB')} orders the device dated earlier than their arrival, dated at arrival` : '') +
        (first ? `; the log ends ${log.at(-1)?.date ?? '-'}, the store's orders begin ${first}` : ''),
    );
    const gapDays = first && log.length > 0 ? Math.floor((toMillis(first) - toMillis(log.at(-1)!.date)) / DAY) : 0;
    // Training's windows (validation, backtests) are the joined log's last months: across a long gap they hold
    // the store's orders alone. Said up front; the gate (npm run promote) then judges the result on those windows.
    if (gapDays > 30) console.warn(`models: warning: the store's orders begin ${gapDays} days after the log ends, so the validation and backtest windows hold store orders only; train a --candidate and let the gate decide`);
    return joinPurchases(log, own.purchases);
  } finally {
    await store.close();
  }
}

if (process.argv.includes('--check')) {
  const stale = modelStaleness(root, catalog);
  if (stale) {
    console.error(`models --check: the committed model is stale (${stale}): run npm run models and commit public/models and data/models/validation`);
    process.exit(1);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'tandem-models-check-'));
  mkdirSync(path.join(scratch, MODELS_DIR), { recursive: true });
  try {
    (await runPipeline(scratch, catalog, readPurchases(root))).makeCurrent();
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
  const until = arg('--until');
  if (until !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(until)) {
    console.error(`models: --until takes a day, YYYY-MM-DD (got ${until ?? 'nothing'})`);
    process.exit(2);
  }
  // Every purchase up to the end of that day (UTC): the pipeline's "now" is then the last of them.
  const all = process.argv.includes('--with-store-orders') ? await withStoreOrders(readPurchases(root)) : readPurchases(root);
  const purchases = until ? all.filter((p) => toMillis(p.date) < Date.parse(`${until}T00:00:00Z`) + DAY) : all;
  if (until) console.log(`models: --until ${until}: ${purchases.length.toLocaleString('en-GB')} of ${all.length.toLocaleString('en-GB')} purchases`);
  if (purchases.length === 0) {
    console.error(`models: no purchases up to ${until}`);
    process.exit(2);
  }
  const run = await runPipeline(root, catalog, purchases, { ablation: process.argv.includes('--ablation') });
  if (process.argv.includes('--candidate')) console.log(`models: candidate ${run.version} written, not current; compare and promote with npm run promote -- ${run.version}`);
  else {
    const hasCurrent = existsSync(path.join(root, MODELS_DIR, 'current.json'));
    const verdict = hasCurrent ? gateVersions(root, run.version) : { pass: true, table: '', failed: [] };
    if (verdict.table) console.log(verdict.table);
    if (verdict.pass || process.argv.includes('--force')) {
      if (!verdict.pass) console.log(`models: --force: ${run.version} becomes current although the gate refused it`);
      run.makeCurrent();
    } else {
      console.error(`models: ${run.version} does not pass the gate against the current version: ${verdict.failed.join(', ')} (above); it stays a candidate. npm run promote -- ${run.version} --force overrides.`);
      process.exit(1);
    }
  }
}
