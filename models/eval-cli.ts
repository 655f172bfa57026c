/**
 * `npm run eval`                 re-measures the validation model on the validation split (see pipeline.ts)
 * `npm run eval -- --test FILE`  measures the shipped artifacts on FILE: history = all the training data,
 *                                targets = what FILE's customers bought. Last line: the metrics JSON.
 * Either way the two-tower row is computed from the exported files: the version's scorer graph
 * (scorer.onnx) in onnxruntime-node, or for a version from before it the ONNX user tower and the second stage
 * in lib/recs/score.ts over the shipped signals.
 * JSON keys per model: recall@10, ndcg@10, hitrate@10 (all targets), explore and repeat ({ndcg@10, recall@10, users});
 * then "basket": leave-one-out inside the target period's baskets of two or more products, the shipped
 * complements (complements.bin through lib/recs/complements.ts) against the basket baselines.
 */
import { rowsOf } from '../lib/recs/items';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactError, loadModel, readVerified } from '../lib/recs/artifacts';
import { PointerSchema } from '../lib/recs/manifest';
import { recentPopularity } from './baselines';
import { compare, shippedScorers, windowCustomers } from './compare';
import { basketsOf, basketTable } from './complements';
import { cleanLog, readLog, type Purchase } from './data';
import { formatTable, splitAt } from './evaluate';
import { MODELS_DIR, readPurchases, VALIDATION_DIR, verdict } from './pipeline';
import { toMillis } from './time';

async function main(): Promise<void> {
  const root = process.cwd();
  const args = process.argv.slice(2);
  const testIdx = args.indexOf('--test');
  const testFile = testIdx >= 0 ? args[testIdx + 1] : undefined;
  if (testIdx >= 0 && !testFile) throw new Error('usage: npm run eval -- --test FILE.csv[.gz]');

  const dir = path.join(root, testFile ? MODELS_DIR : VALIDATION_DIR);
  const pointerFile = path.join(dir, 'current.json');
  if (!existsSync(pointerFile)) throw new Error(`no model at ${path.relative(root, dir)}: run \`npm run models\` first`);
  const pointer = PointerSchema.parse(JSON.parse(readFileSync(pointerFile, 'utf8')));
  const manifestRel = pointer.manifest.replace(/^\/models\//, '');
  const versionDir = path.join(dir, path.dirname(manifestRel));
  const model = await loadModel((p) => readFile(path.join(versionDir, p)), path.basename(manifestRel));
  const now = Date.parse(model.manifest.trainedUntil);

  const purchases = readPurchases(root);
  let history: Purchase[];
  let future: Purchase[];
  let label: string;
  if (testFile) {
    // Only rows after the training data count as targets: the model has seen everything before.
    history = purchases;
    future = cleanLog(readLog(path.resolve(testFile))).purchases.filter((p) => toMillis(p.date) >= now);
    label = `Test file ${testFile}: ${future.length.toLocaleString('en-GB')} purchases after ${model.manifest.trainedUntil.slice(0, 10)}`;
  } else {
    const end = toMillis(purchases.at(-1)!.date) + 60_000;
    ({ history, future } = splitAt(purchases, now, end));
    label = `Validation split ${model.manifest.trainedUntil.slice(0, 10)} to ${new Date(end).toISOString().slice(0, 10)} (validation model ${model.manifest.version})`;
  }
  const index = rowsOf(model.skus);
  // The customers compare() measures (past the cap, the same sample: models/sample.ts).
  const { users } = windowCustomers(history, future, index);
  // The shipped row through the version's one scorer graph when it has one (every runtime but the edge runs it).
  const scorerFile = model.manifest.files.scorer;
  const graph = scorerFile ? await readVerified((p) => readFile(path.join(versionDir, p)), scorerFile) : undefined;
  const shipped = await shippedScorers(model, users, now, graph);
  const result = compare(history, future, model.skus, now, model.manifest.metrics.baselines, () => shipped);
  const baskets = basketsOf(future, index, now, Infinity);
  const prior = { popularity: model.prior, category: model.signals.category };
  const basket = basketTable(baskets, model.complements, prior, recentPopularity(history, index, model.skus.length, now, 30), model.items, model.manifest.dim);
  console.log(`${label}\nFull-catalogue ranking; measures all, explore (history left out), repeat (history only): models/evaluate.ts`);
  console.log(`Shipped scorer: ${model.manifest.scorer.kind}, owned offset ${model.manifest.scorer.ownedOffset}, computed ${graph ? `through ${scorerFile!.path} in onnxruntime-node` : 'in TypeScript over the ONNX user tower'}; baselines' settings from the tuning split\n`);
  console.log(formatTable(result.users, result.models, result.of));
  console.log(verdict(result));
  console.log(`Basket leave-one-out (${basket.complement!.baskets} baskets of 2+ products): ${Object.entries(basket).map(([k, m]) => `${k} ${m['ndcg@10'].toFixed(4)}`).join(', ')}`);
  const bt = model.manifest.metrics.basketBacktest;
  if (bt) {
    // From the manifest: the backtest the version was chosen on (its windows end where its training data ends).
    const rows = Object.entries(bt.reported).map(([k, m]) => `${k} ${m.mean.toFixed(4)} ± ${m.se.toFixed(4)} (worst ${m.worst.toFixed(4)})`);
    console.log(`Basket backtest of this version (${bt.windows.filter((w) => w.role === 'reported').length} newest fortnights before its training ended; ${bt.ships} ships): ${rows.join(', ')}`);
  }
  const tb = model.manifest.metrics.towerBacktest;
  if (tb) {
    const reported = tb.windows.filter((w) => w.role === 'reported');
    const rows = Object.entries(tb.reported).map(([k, m]) => `${k} ${(['all', 'explore', 'repeat'] as const).map((x) => `${m[x]!.mean.toFixed(4)} ± ${m[x]!.se.toFixed(4)}`).join(' / ')}`);
    console.log(`Tower backtest of this version (${reported.length} newest 15-day windows before its training ended; NDCG@10 all / explore / repeat): ${rows.join(', ')}`);
    console.log(tb.verdicts.map((v) => `${v.measure} ${v.ratio.toFixed(3)}x ${v.baseline} (bar ${v.bar.toFixed(2)}x)`).join(', '));
  }
  console.log(JSON.stringify({ ...result, basket }));
}

main().catch((e: unknown) => {
  console.error(e instanceof ArtifactError ? `artifact rejected: ${e.message}` : e instanceof Error ? e.message : e);
  process.exit(1);
});
