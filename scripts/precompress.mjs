// Brotli copies (`<file>.br`) of the files a first visit downloads that never change: the ORT runtime under
// its version and the model files under their content hash. The store's server answers a browser that accepts
// brotli from these (server/index.ts); the browser decodes before the worker checks each file's sha256.
// Quality 11 for the WASM runtime every device fetches (about 30 s once per ORT version), 9 for the rest; the
// window and the model files' and parts' qualities are in ./brotli-settings.mjs (device-recall.ts measures with them).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { brotliParams, FILE_QUALITY, PARTS_QUALITY } from './brotli-settings.mjs';

const COMPRESS = /\.(wasm|json|onnx|bin|mlmodel)$/;
const TEXT = /\.(js|css)$/;
let written = 0;
const precompressText = (dir) => precompress(dir, 11, TEXT);
function precompress(dir, quality, pattern = COMPRESS) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!pattern.test(name) || !statSync(file).isFile()) continue;
    const br = `${file}.br`;
    if (existsSync(br) && statSync(br).mtimeMs >= statSync(file).mtimeMs) continue;
    const bytes = readFileSync(file);
    const q = typeof quality === 'function' ? quality(name) : quality;
    writeFileSync(br, brotliCompressSync(bytes, { params: brotliParams(q, bytes.length) }));
    written++;
  }
}

// `--next`: after `next build`, the hashed page JavaScript and CSS under .next/static (quality 11: about 1 MB, once per build).
if (process.argv.includes('--next')) {
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
    }
    precompressText(dir);
  };
  walk(path.join('.next', 'static'));
  console.log(`precompress: ${written} brotli cop${written === 1 ? 'y' : 'ies'} written (.next/static)`);
  process.exit(0);
}

for (const version of existsSync('public/ort') ? readdirSync('public/ort') : []) {
  precompress(path.join('public/ort', version), (name) => (name === 'ort-wasm-simd-threaded.wasm' ? 11 : 9));
}
for (const version of existsSync('public/models') ? readdirSync('public/models') : []) {
  if (/^[0-9a-f]{12}$/.test(version)) {
    precompress(path.join('public/models', version), FILE_QUALITY);
    precompress(path.join('public/models', version, 'parts'), PARTS_QUALITY);
  }
}
console.log(`precompress: ${written} brotli cop${written === 1 ? 'y' : 'ies'} written (public/ort, public/models)`);
