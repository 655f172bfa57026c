import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

/**
 * The versioned runtime and model files go out as brotli to a browser that accepts it (the store's server
 * answers from scripts/precompress.mjs's copies), and decode to exactly the bytes the manifest describes.
 */
const ort = (JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8')) as { version: string }).version;

test('runtime and model files are sent brotli-compressed and decode to the manifest\'s bytes', async ({ request }) => {
  const wasm = await request.get(`/ort/${ort}/ort-wasm-simd-threaded.wasm`, { headers: { 'Accept-Encoding': 'gzip, br' } });
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()['content-encoding']).toBe('br');
  expect(wasm.headers()['content-type']).toBe('application/wasm');
  expect(wasm.headers()['cache-control']).toContain('immutable');
  expect((await wasm.body()).equals(readFileSync(`public/ort/${ort}/ort-wasm-simd-threaded.wasm`))).toBe(true);

  const pointer = (await (await request.get('/models/current.json')).json()) as { manifest: string };
  const manifest = (await (await request.get(pointer.manifest)).json()) as { files: Record<string, { path: string; bytes: number; sha256: string }> };
  const base = pointer.manifest.replace(/manifest\.json$/, '');
  for (const entry of Object.values(manifest.files)) {
    const res = await request.get(`${base}${entry.path}`, { headers: { 'Accept-Encoding': 'br' } });
    expect(res.headers()['content-encoding'], entry.path).toBe('br');
    const body = await res.body();
    expect(body.length, entry.path).toBe(entry.bytes);
    expect(createHash('sha256').update(body).digest('hex'), entry.path).toBe(entry.sha256);
  }

  // A client without brotli gets what Next sends; one with br;q=0 too.
  for (const enc of ['gzip', 'br;q=0']) {
    const plain = await request.get(`${base}signals.bin`, { headers: { 'Accept-Encoding': enc } });
    expect(plain.status()).toBe(200);
    expect(plain.headers()['content-encoding'] ?? 'identity').not.toBe('br');
  }
});

test('the page\'s hashed JavaScript goes out as brotli too, decoding to what Next built', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const scripts = [...html.matchAll(/src="(\/_next\/static\/chunks\/[^"]+\.js)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  for (const src of scripts.slice(0, 5)) {
    const res = await request.get(src, { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(res.headers()['content-encoding'], src).toBe('br');
    expect(res.headers()['content-type'], src).toContain('javascript');
    expect(res.headers()['cache-control'], src).toContain('immutable');
    expect((await res.body()).equals(readFileSync(`.next/static/${src.slice('/_next/static/'.length)}`)), src).toBe(true);
  }
});
