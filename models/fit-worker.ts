/** One job of models/fit-pool.ts on a worker thread: the same functions as on the main thread, so the same bits. */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type PoolReply, type PoolRequest } from './fit-pool';

const post = (m: PoolReply) => parentPort!.postMessage(m);
let last = 0;
const result = runJob(workerData as PoolRequest, (done, total, loss) => {
  // A message per step would cost more than the progress bar is worth.
  if (done === total || done - last >= 10) {
    last = done;
    post({ kind: 'step', done, total, loss });
  }
});
post({ kind: 'done', result });
