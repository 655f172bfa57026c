/**
 * `npm run bench` (not a test): on-device recommender timings from real Chromium, against the production
 * build. WASM always; WebGPU where Chromium offers an adapter (here SwiftShader on the CPU, headless).
 * Prints a table and writes bench-results/recs.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/browser';
import type { BenchResult } from '../lib/recs/device-protocol';

const PORT = Number(process.env.BENCH_PORT ?? 3290);
const BASE = process.env.BENCH_URL ?? `http://localhost:${PORT}`;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const SIZES = [10_000, 100_000];

async function waitForServer(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`server at ${url} did not start`);
}

async function measure(webgpu: boolean): Promise<BenchResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])] });
  try {
    const page = await browser.newPage();
    await page.goto(`${BASE}/?bench=1`);
    await page.waitForFunction(() => 'tandemBench' in window);
    return await page.evaluate(
      ([iterations, sizes, preferWasm]) =>
        (window as unknown as { tandemBench: (i: number, s: number[], w: boolean) => Promise<BenchResult> }).tandemBench(iterations, sizes, preferWasm),
      [ITERATIONS, SIZES, !webgpu] as const,
    );
  } finally {
    await browser.close();
  }
}

const f = (x: number) => x.toFixed(3).padStart(9);

async function main() {
  const server = process.env.BENCH_URL ? undefined : spawn('npx', ['next', 'start', '-p', String(PORT)], { stdio: 'ignore', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  try {
    await waitForServer(`${BASE}/`, 60_000);
    const results: BenchResult[] = [await measure(false)];
    const gpu = await measure(true);
    if (gpu.source === 'device-webgpu') results.push(gpu);
    else console.log('WebGPU: no adapter in this Chromium, measured WASM only');

    console.log(`\nOn-device recommender, ${ITERATIONS} runs each, model ${results[0]!.modelVersion} (${results[0]!.itemCount} items), times in ms`);
    console.log('backend        load  1st infer  infer p50  infer p95   rank p50   rank p95' + SIZES.map((n) => `  ${String(n / 1000)}k p50  ${String(n / 1000)}k p95`).join(''));
    for (const r of results) {
      console.log(
        `${r.source.padEnd(13)} ${r.loadMs.toFixed(0).padStart(5)} ${f(r.firstInferenceMs)}  ${f(r.inference.p50)}  ${f(r.inference.p95)}  ${f(r.ranking.p50)}  ${f(r.ranking.p95)}` +
          r.synthetic.map((s) => ` ${f(s.p50)} ${f(s.p95)}`).join(''),
      );
    }
    console.log('Ranking (score + top-10) runs in JavaScript in the worker on both backends; only the user tower uses WebGPU.');
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/recs.json', `${JSON.stringify({ date: new Date().toISOString(), iterations: ITERATIONS, results }, null, 2)}\n`);
    console.log('wrote bench-results/recs.json');
  } finally {
    server?.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
