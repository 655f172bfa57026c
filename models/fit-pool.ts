/**
 * Towers (and the backtests) trained side by side, one worker thread each, as many at once as the machine
 * has cores (2 on CI).
 * Each fit is seeded and reads only its own history, so a tower is the same bits whether it ran here, on a
 * worker, first or last: the version hash does not depend on the scheduling. `TANDEM_TRAIN_THREADS=1` trains
 * in this thread instead, one after another (a profiler, a debugger).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Product } from '../lib/catalog/types';
import type { FeatureSpec } from '../lib/recs/features';
import { compactLog, logBefore, type CompactLog, type Purchaseish } from './data';
import type { TrainConfig } from './train';
import { fit, type Fit } from './two-tower';
import { basketBacktest, type BasketBacktest, type WindowData } from './backtest';
import { towerBacktestJob, type TowerBacktestJob, type WindowResult } from './tower-backtest';

/** What a worker is sent: one tower's training data, the basket backtest's (which needs no tower), or some of the tower backtest's windows. */
export type PoolRequest =
  | { kind: 'tower'; products: readonly Product[]; log: CompactLog; now: number; spec: FeatureSpec; config: TrainConfig }
  | { kind: 'basket'; data: WindowData[]; n: number }
  | ({ kind: 'tower-backtest' } & TowerBacktestJob);

type Result<R extends PoolRequest> = R extends { kind: 'tower' } ? Fit : R extends { kind: 'basket' } ? BasketBacktest : WindowResult[];

/** What a worker says: progress, then its result. */
export type PoolReply = { kind: 'step'; done: number; total: number; loss: number } | { kind: 'done'; result: Fit | BasketBacktest | WindowResult[] };

export type Progress = (done: number, total: number, loss: number) => void;

/** A job, wherever it runs. */
export function runJob<R extends PoolRequest>(job: R, onStep: Progress): Result<R> {
  if (job.kind === 'tower') return fit(job.products, job.log, job.now, job.spec, job.config, onStep) as Result<R>;
  if (job.kind === 'tower-backtest') return towerBacktestJob(job, (done, total) => onStep(done, total, 0)) as Result<R>;
  return basketBacktest(job.data, job.n, undefined, (done, total) => onStep(done, total, 0)) as Result<R>;
}

/** Workers run TypeScript through tsx's loader, registered in the worker before the job's modules load. */
function workerFor(request: PoolRequest): Worker {
  const target = new URL('./fit-worker.ts', import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(target)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: request });
}

function onWorker<R extends PoolRequest>(request: R, onStep: Progress): Promise<Result<R>> {
  return new Promise((resolve, reject) => {
    const worker = workerFor(request);
    worker.on('message', (m: PoolReply) => {
      if (m.kind === 'step') onStep(m.done, m.total, m.loss);
      else {
        resolve(m.result as Result<R>);
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`training worker exited with code ${code}`));
    });
  });
}

export function trainThreads(): number {
  const set = Number(process.env.TANDEM_TRAIN_THREADS);
  return Number.isInteger(set) && set >= 1 ? set : availableParallelism();
}

/**
 * At most `threads` jobs at once, started in the order they are submitted. With one thread a job runs here,
 * synchronously, when submitted. The main thread keeps working while workers train (the stages that need no
 * tower), so a third thread shares the two cores for a while: the total is what counts.
 */
export function createPool(threads = trainThreads()) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    threads,
    run: async <R extends PoolRequest>(request: R, onStep: Progress = () => {}): Promise<Result<R>> => {
      if (threads <= 1) return runJob(request, onStep);
      while (active >= threads) await new Promise<void>((r) => waiting.push(r));
      active++;
      try {
        return await onWorker(request, onStep);
      } finally {
        active--;
        waiting.shift()?.();
      }
    },
  };
}

export type Pool = ReturnType<typeof createPool>;

/** One tower to train: on every purchase before `now`. */
export interface TowerJob {
  label: string;
  now: number;
}

/** Every job's fit, by label. The newest cut (the most data) starts first, so the last to finish is a short one. */
export async function fitTowers(pool: Pool, products: readonly Product[], purchases: readonly Purchaseish[], jobs: readonly TowerJob[], spec: FeatureSpec, config: TrainConfig, onStep: (label: string, done: number, total: number, loss: number) => void = () => {}): Promise<Map<string, Fit>> {
  const queue = [...jobs].sort((a, b) => b.now - a.now);
  const log = compactLog(purchases);
  const fits = await Promise.all(
    queue.map((job) => pool.run({ kind: 'tower', products, log: logBefore(log, job.now), now: job.now, spec, config }, (done, total, loss) => onStep(job.label, done, total, loss))),
  );
  return new Map(queue.map((job, k) => [job.label, fits[k]!]));
}
