// Copies onnxruntime-web's .wasm files to public/ort/<version>/, served with immutable caching and
// fetched by the recommender worker only after the page is interactive (never on the critical path).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const pkgDir = path.join('node_modules', 'onnxruntime-web');
const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const out = path.join('public', 'ort', version);
mkdirSync(out, { recursive: true });
// The WASM build, and the one the WebGPU build (native WebGPU EP) loads.
for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.wasm']) {
  const from = path.join(pkgDir, 'dist', file);
  const to = path.join(out, file);
  if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
}
console.log(`ort: runtime files in ${out}/`);
