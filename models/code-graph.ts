/**
 * What a generated artifact is a function of, derived instead of listed: an entry module and every project
 * file it imports, transitively. A hand-kept list missed files (the ONNX encoder's schema, among others),
 * so a change to them never marked the model stale. Packages are left out: package-lock.json pins them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = fileURLToPath(new URL('..', import.meta.url));

// Static and dynamic imports, re-exports and side-effect imports; over-matching (a specifier inside a
// comment) only adds a file to the hash, never misses one.
const SPECIFIERS = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
// A module loaded by URL (a worker thread: models/fit-pool.ts starts models/fit-worker.ts so) is code the
// model is a function of too. Only a URL naming a source file counts: `new URL('..', import.meta.url)` is a folder.
const MODULE_URL = /\bnew\s+URL\(\s*['"](\.{1,2}\/[^'"]+\.tsx?)['"]\s*,\s*import\.meta\.url\s*\)/g;

function resolve(from: string, spec: string, project: string): string | undefined {
  let base: string;
  if (spec.startsWith('.')) base = path.resolve(path.dirname(from), spec);
  else if (spec.startsWith('@/')) base = path.join(project, spec.slice(2)); // tsconfig's paths
  else return undefined; // a package
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, base.replace(/\.js$/, '.ts'), path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(project, from)}: cannot resolve import '${spec}'`);
}

/** The project files `entries` (relative to `project`) import, themselves included, as sorted relative paths. */
export function importGraph(entries: readonly string[], project = PROJECT): string[] {
  const seen = new Set<string>();
  const stack = entries.map((e) => path.join(project, e));
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.tsx?$/.test(file)) continue; // JSON and other data: hashed, not parsed
    const source = readFileSync(file, 'utf8');
    for (const re of [...SPECIFIERS, MODULE_URL]) for (const m of source.matchAll(re)) {
      const dep = resolve(file, m[1]!, project);
      if (dep && !seen.has(dep)) stack.push(dep);
    }
  }
  return [...seen].map((f) => path.relative(project, f).split(path.sep).join('/')).sort();
}

/** sha256 over the graph's paths and contents: any file added, removed or changed gives another hash. */
export function graphHash(entries: readonly string[], project = PROJECT): string {
  const h = createHash('sha256');
  for (const f of importGraph(entries, project)) h.update(f).update('\0').update(readFileSync(path.join(project, f))).update('\0');
  return h.digest('hex');
}
