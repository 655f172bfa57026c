/**
 * `npm run bench:train -- [--copies 1,3,10,30] [--keep]`: how training grows with the shop. For each K it
 * writes the purchase log K times over (`npm run data:scale`, models/scale-data.ts) if missing, trains it with
 * `npm run models` in a scratch copy of this checkout (so public/models and data/ here are left alone), times
 * `npm run eval` on the result, and reads back what each stage cost (data/models/stages.json) and what the
 * version measured (its manifest): wall time, peak resident memory, validation and backtest NDCG@10. Writes
 * bench-results/train-scale.json and docs/train-scale.svg (time and memory against K) and prints the tables
 * docs/performance.md carries. Runs accumulate: a K measured now replaces its row from an earlier run, so each K
 * can be run on its own on a quiet machine. A benchmark, not a test: ×30 takes most of an hour on 2 cores.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema, type Manifest } from '../lib/recs/manifest';
import type { StageCost } from '../models/stage-clock';
import { locateDataset } from '../models/data';
import { run, scratchCheckout } from './scratch';

const root = process.cwd();
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const copies = (arg('--copies') ?? '1,3,10,30').split(',').map(Number);
if (copies.some((k) => !Number.isInteger(k) || k < 1)) {
  console.error('bench:train: --copies takes whole numbers, e.g. --copies 1,3,10');
  process.exit(2);
}

interface Row {
  copies: number;
  products: number;
  purchases: number;
  seconds: number;
  peakMiB: number;
  stages: StageCost[];
  /** Seconds per kind of work across the stages (models/stage-clock.ts `charge`). */
  work: { activity: string; seconds: number; calls: number }[];
  validation: { all: number; explore: number; repeat: number; seAll: number; seExplore: number; customers: number; of: number; tifuAll: number };
  backtest: { all: number; explore: number; repeat: number; seAll: number; seExplore: number };
  version: string;
  /** `npm run eval` on the version's validation model. */
  evalSeconds?: number;
  /** When this K was measured (rows from earlier runs are kept: see `merged`). */
  at?: string;
}

function rowOf(k: number, dir: string, seconds: number, text: string): Row {
  const stagesFile = JSON.parse(readFileSync(path.join(dir, 'data', 'models', 'stages.json'), 'utf8')) as { stages: StageCost[]; total: StageCost; activities: Row['work'] };
  const models = path.join(dir, 'public', 'models');
  const version = /models: ([0-9a-f]{12}) is current/.exec(text)?.[1];
  if (!version) throw new Error('bench:train: the run made no version current');
  const purchases = Number(/models: ([\d,]+) purchases/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
  const m: Manifest = ManifestSchema.parse(JSON.parse(readFileSync(path.join(models, version, 'manifest.json'), 'utf8')));
  const v = m.metrics.validation;
  const shipped = v.models['two-tower']!;
  const bt = m.metrics.towerBacktest!.reported['two-tower']!;
  const catalog = JSON.parse(readFileSync(path.join(dir, 'data', 'catalog.json'), 'utf8')) as { products: unknown[] };
  return {
    copies: k,
    products: catalog.products.length,
    purchases,
    seconds,
    peakMiB: stagesFile.total.peakMiB,
    stages: stagesFile.stages,
    work: stagesFile.activities,
    validation: { all: shipped['ndcg@10'], explore: shipped.explore['ndcg@10'], repeat: shipped.repeat['ndcg@10'], seAll: shipped.se ?? 0, seExplore: shipped.explore.se ?? 0, customers: v.users, of: v.of ?? v.users, tifuAll: v.models['tifu-knn']!['ndcg@10'] },
    backtest: { all: bt.all!.mean, explore: bt.explore!.mean, repeat: bt.repeat!.mean, seAll: bt.all!.se, seExplore: bt.explore!.se },
    version,
  };
}

/** Time (minutes) and peak memory (GB) against K, log-scaled K, as a small SVG. */
function chart(rows: readonly Row[]): string {
  const W = 640;
  const H = 280;
  const pad = 48;
  const ks = rows.map((r) => r.copies);
  const lx = (k: number) => pad + ((Math.log(k) - Math.log(Math.min(...ks))) / Math.max(Math.log(Math.max(...ks)) - Math.log(Math.min(...ks)), 1e-9)) * (W - 2 * pad);
  const maxMin = Math.max(45, ...rows.map((r) => r.seconds / 60));
  const maxGb = Math.max(8, ...rows.map((r) => r.peakMiB / 1024));
  const y = (v: number, max: number) => H - pad - (v / max) * (H - 2 * pad);
  const line = (pts: [number, number][], colour: string, dash = '') => `<path d="${pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)} ${b.toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
  const dots = (pts: [number, number][], colour: string) => pts.map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="4" fill="${colour}"/>`).join('');
  const time = rows.map((r): [number, number] => [lx(r.copies), y(r.seconds / 60, maxMin)]);
  const mem = rows.map((r): [number, number] => [lx(r.copies), y(r.peakMiB / 1024, maxGb)]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img" aria-label="npm run models: wall time and peak memory against the shop's size">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${pad}" y="20" font-weight="bold">npm run models on 2 cores: wall time (red, minutes) and peak memory (blue, GB) against K copies</text>`,
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/>`,
    ...rows.map((r) => `<text x="${lx(r.copies).toFixed(1)}" y="${H - pad + 16}" text-anchor="middle">×${r.copies}</text>`),
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">products: ${rows.map((r) => r.products.toLocaleString('en-GB')).join(' · ')}</text>`,
    `<text x="4" y="${y(maxMin, maxMin) + 4}" fill="#b4413c">${maxMin.toFixed(0)} min</text><text x="4" y="${y(15, maxMin) + 4}" fill="#b4413c">15 min</text>`,
    `<text x="${W - pad + 4}" y="${y(maxGb, maxGb) + 4}" fill="#2b6cb0">${maxGb.toFixed(0)} GB</text><text x="${W - pad + 4}" y="${y(4, maxGb) + 4}" fill="#2b6cb0">4 GB</text>`,
    `<line x1="${pad}" y1="${y(15, maxMin)}" x2="${W - pad}" y2="${y(15, maxMin)}" stroke="#b4413c" stroke-width="0.5" stroke-dasharray="2 4"/>`,
    `<line x1="${pad}" y1="${y(4, maxGb)}" x2="${W - pad}" y2="${y(4, maxGb)}" stroke="#2b6cb0" stroke-width="0.5" stroke-dasharray="2 4"/>`,
    line(time, '#b4413c'),
    dots(time, '#b4413c'),
    line(mem, '#2b6cb0', '6 3'),
    dots(mem, '#2b6cb0'),
    '</svg>',
  ].join('');
}

const f4 = (x: number) => x.toFixed(4);
function tables(rows: readonly Row[]): string {
  const base = rows.find((r) => r.copies === 1);
  const rel = (x: number, b: number | undefined) => (b ? ` (${x >= b ? '+' : ''}${(((x - b) / b) * 100).toFixed(1)}%)` : '');
  const stageNames = [...new Set(rows.flatMap((r) => r.stages.map((s) => s.stage)))];
  return [
    '| K | products (purchases) | `npm run models` | peak memory | `npm run eval` | validation NDCG@10 all / explore (± s.e.) | backtest all / explore | TIFU-KNN all |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ×${r.copies} | ${r.products.toLocaleString('en-GB')} (${r.purchases.toLocaleString('en-GB')}) | ${(r.seconds / 60).toFixed(1)} min | ${(r.peakMiB / 1024).toFixed(2)} GB | ${r.evalSeconds === undefined ? '—' : `${(r.evalSeconds / 60).toFixed(1)} min`} | ${f4(r.validation.all)}${rel(r.validation.all, base?.validation.all)} / ${f4(r.validation.explore)}${rel(r.validation.explore, base?.validation.explore)} (± ${f4(r.validation.seAll)} / ${f4(r.validation.seExplore)}${r.validation.of > r.validation.customers ? `; ${r.validation.customers.toLocaleString('en-GB')} of ${r.validation.of.toLocaleString('en-GB')} customers` : ''}) | ${f4(r.backtest.all)}${rel(r.backtest.all, base?.backtest.all)} / ${f4(r.backtest.explore)}${rel(r.backtest.explore, base?.backtest.explore)} | ${f4(r.validation.tifuAll)} |`,
    ),
    '',
    `| stage (seconds) | ${rows.map((r) => `×${r.copies}`).join(' | ')} |`,
    `| --- | ${rows.map(() => '---').join(' | ')} |`,
    ...stageNames.map((s) => `| ${s} | ${rows.map((r) => r.stages.find((x) => x.stage === s)?.seconds.toFixed(1) ?? '—').join(' | ')} |`),
    '',
    `| work, across the stages (seconds) | ${rows.map((r) => `×${r.copies}`).join(' | ')} |`,
    `| --- | ${rows.map(() => '---').join(' | ')} |`,
    ...[...new Set(rows.flatMap((r) => r.work.map((w) => w.activity)))].map((a) => `| ${a} | ${rows.map((r) => r.work.find((w) => w.activity === a)?.seconds.toFixed(1) ?? '—').join(' | ')} |`),
  ].join('\n');
}

// Runs accumulate: a K measured now replaces that K's row from an earlier run, so ×30 (most of an hour) can be run
// on its own, on a quiet machine, and still land in the same table and chart as the others.
const resultsFile = path.join(root, 'bench-results', 'train-scale.json');
const earlier: Row[] = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows: Row[] }).rows : [];
const rows: Row[] = [];
const merged = () => [...earlier.filter((r) => !rows.some((x) => x.copies === r.copies)), ...rows].sort((a, b) => a.copies - b.copies);
mkdirSync(path.join(root, 'bench-results'), { recursive: true });
for (const k of copies) {
  console.log(`bench:train: ×${k}`);
  // ×1 is the data set itself (its sha256 is the committed model's); the others are written K times over.
  const data = k === 1 ? locateDataset(root) : path.join(root, 'data', 'scale', `online-retail-x${k}.csv.gz`);
  if (!existsSync(data)) {
    const { code } = await run('npx', ['tsx', 'models/scale-cli.ts', '--copies', String(k), '--out', data], root, process.env, path.join(root, 'bench-results', `data-scale-x${k}.log`));
    if (code !== 0) throw new Error(`bench:train: data:scale --copies ${k} failed`);
  }
  const dir = scratchCheckout(root, k);
  const log = path.join(root, 'bench-results', `train-scale-x${k}.log`);
  const started = performance.now();
  // --force: the scratch copy's committed version was trained on another log, which the gate calls not
  // comparable; the new version becomes current there so that `npm run eval` measures it.
  const env = { ...process.env, TANDEM_DATASET: data };
  const { code, text } = await run('npx', ['tsx', 'models/models-cli.ts', '--force'], dir, env, log);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    console.error(`bench:train: ×${k} failed (exit ${code}); its output is in ${path.relative(root, log)}`);
    process.exit(1);
  }
  const evalStarted = performance.now();
  const evaluated = await run('npx', ['tsx', 'models/eval-cli.ts'], dir, env, path.join(root, 'bench-results', `eval-scale-x${k}.log`));
  if (evaluated.code !== 0) throw new Error(`bench:train: npm run eval at ×${k} failed`);
  const row = { ...rowOf(k, dir, seconds, text), evalSeconds: (performance.now() - evalStarted) / 1000, at: new Date().toISOString() };
  rows.push(row);
  // Written after every K, so a run cut short keeps what it measured.
  writeFileSync(resultsFile, `${JSON.stringify({ rows: merged() }, null, 2)}\n`);
  console.log(`  ×${k}: ${row.products.toLocaleString('en-GB')} products, ${(seconds / 60).toFixed(1)} min, peak ${(row.peakMiB / 1024).toFixed(2)} GB, validation NDCG@10 all ${f4(row.validation.all)} explore ${f4(row.validation.explore)}`);
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`  kept ${dir}`);
}
const all = merged();
if (all.length > 1) writeFileSync(path.join(root, 'docs', 'train-scale.svg'), chart(all));
console.log(`\n${tables(all)}\n\nbench:train: wrote bench-results/train-scale.json${all.length > 1 ? ' and docs/train-scale.svg' : ''}`);
