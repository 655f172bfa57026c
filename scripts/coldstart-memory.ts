/**
 * The cold-start ranker's data as the store's server loads it (lib/coldstart/data.ts, from this checkout's
 * public/models), in a fresh Node process: what it holds in memory, how long the load took and the first
 * answer after it. Run by `npm run bench:scale` in the ×K checkout; prints one JSON line.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { coldStartData, type ArtifactSource } from '../lib/coldstart/data';
import { coldStartRank } from '../lib/coldstart/rank';
import { PointerSchema } from '../lib/recs/manifest';

const root = path.join(process.cwd(), 'public', 'models');
// The server's disk source (lib/artifacts/disk.ts), without its server-only marker.
const source: ArtifactSource = {
  pointer: async () => PointerSchema.parse(JSON.parse(await readFile(path.join(root, 'current.json'), 'utf8'))),
  reader: (pointer) => (p) => readFile(path.join(root, pointer.version, p)),
};
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
global.gc?.();
const before = process.memoryUsage();
const t0 = performance.now();
const data = await coldStartData(null, source);
const loadMs = performance.now() - t0;
const t1 = performance.now();
coldStartRank(data, { ranking: 'explore', k: 12, pin: [], block: [], excludePurchased: true }, []);
const firstAnswerMs = performance.now() - t1;
global.gc?.();
const after = process.memoryUsage();
console.log(JSON.stringify({ products: data.skus.length, rssMiB: mib(after.rss - before.rss), heapMiB: mib(after.heapUsed - before.heapUsed), arrayBuffersMiB: mib(after.arrayBuffers - before.arrayBuffers), loadMs: Math.round(loadMs), firstAnswerMs: Math.round(firstAnswerMs * 10) / 10 }));
