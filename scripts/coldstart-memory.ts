/**
 * The cold-start ranker's data as the store's server loads it (lib/coldstart/data.ts, from this checkout's
 * public/models), in a fresh Node process: what it holds in memory, how long the load took and the first
 * answer after it. Run by `npm run bench:scale` in the ×K checkout with `node --expose-gc` (without a collection
 * before each reading, what the load threw away counted as held: one run read 137 MiB, the next 94); prints one
 * JSON line: the growth of the process's resident memory once the garbage is collected, its peak during the load,
 * and the heap and buffers the data holds.
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
if (!global.gc) throw new Error('coldstart-memory: run with node --expose-gc (npm run bench:scale does)');
global.gc();
const before = process.memoryUsage();
const t0 = performance.now();
const data = await coldStartData(null, source);
const loadMs = performance.now() - t0;
const t1 = performance.now();
coldStartRank(data, { ranking: 'explore', k: 12, pin: [], block: [], excludePurchased: true }, []);
const firstAnswerMs = performance.now() - t1;
global.gc();
const after = process.memoryUsage();
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ products: data.skus.length, rssMiB: mib(after.rss - before.rss), peakRssMiB: mib(peak - before.rss), heapMiB: mib(after.heapUsed - before.heapUsed), arrayBuffersMiB: mib(after.arrayBuffers - before.arrayBuffers), loadMs: Math.round(loadMs), firstAnswerMs: Math.round(firstAnswerMs * 10) / 10 }));
