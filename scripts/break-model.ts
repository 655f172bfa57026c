/**
 * `tsx scripts/break-model.ts --version V --what complements|explore [--models DIR] [--seed S]`: fire drills for
 * model health (issue 35). Each writes a copy of version V, broken one way, with every file check passing: a
 * model that loads and ranks, badly, which only live traffic against the baseline can catch.
 * - `complements`: the basket complements point at random products (every neighbour id through a seeded
 *   permutation), re-hashed; the golden cases still hold (they test the tower and the scorer, not the complements).
 * - `explore`: the explore head's weights negated in the manifest's scorer, so "Recommended for you" and the other
 *   explore shelves rank backwards wherever the manifest's scorer scores (the edge, the device's kernel path); the
 *   exported graph is left as it was (a device that runs the whole graph, WebGPU, still ranks right).
 * Prints the new version; promote it in a test store only (`npm run promote -- <version> --force`).
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeComplements, encodeComplements } from '../lib/recs/complements';
import { ManifestSchema, type Manifest } from '../lib/recs/manifest';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/**
 * A copy of `version` under `models` as version `broken`, its manifest (as JSON) handed to `edit` with the copy's
 * folder, then written back under the new version; the precompressed manifest is dropped (it would serve the old one).
 */
function copyVersion(models: string, version: string, broken: string, edit: (manifest: Manifest, dest: string) => void): string {
  const src = path.join(models, version);
  const dest = path.join(models, broken);
  rmSync(dest, { recursive: true, force: true });
  cpSync(src, dest, { recursive: true });
  rmSync(path.join(dest, 'manifest.json.br'), { force: true });
  // As written (not parsed: the schema's defaults must not be added to the file), typed as what it is.
  const out = { ...(JSON.parse(readFileSync(path.join(src, 'manifest.json'), 'utf8')) as Manifest), version: broken };
  edit(out, dest);
  ManifestSchema.parse(out);
  writeFileSync(path.join(dest, 'manifest.json'), `${JSON.stringify(out, null, 2)}\n`);
  return broken;
}

/** The broken copy's version (a new folder beside `version` under `models`). */
export function breakComplements(models: string, version: string, seed = 1): string {
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(path.join(models, version, 'manifest.json'), 'utf8')));
  if (manifest.parts) throw new Error(`${version} ships in parts: its complements live in them too (not handled by this drill)`);
  const entry = manifest.files.complements;
  const c = decodeComplements(readFileSync(path.join(models, version, entry.path)), manifest.itemCount, manifest.complements);
  // A seeded permutation of the products: every neighbour becomes some other product, its weight kept.
  const perm = Int32Array.from({ length: c.n }, (_, i) => i);
  let a = seed >>> 0;
  for (let i = c.n - 1; i > 0; i--) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    const j = a % (i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const bytes = encodeComplements({ ...c, neighbours: c.neighbours.map((id) => (id < 0 ? id : perm[id]!)) });
  return copyVersion(models, version, sha256(`${version}:complements-shuffled:${seed}`).slice(0, 12), (out, dest) => {
    writeFileSync(path.join(dest, entry.path), bytes);
    // The precompressed copy would serve the old bytes.
    rmSync(path.join(dest, `${entry.path}.br`), { force: true });
    out.files.complements = { ...entry, bytes: bytes.byteLength, sha256: sha256(bytes) };
  });
}

/** The explore-backwards copy's version. */
export function breakExplore(models: string, version: string): string {
  return copyVersion(models, version, sha256(`${version}:explore-negated`).slice(0, 12), (out) => {
    out.scorer.heads.explore = out.scorer.heads.explore.map((w) => -w);
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({ options: { version: { type: 'string' }, what: { type: 'string', default: 'complements' }, models: { type: 'string', default: 'public/models' }, seed: { type: 'string', default: '1' } } });
  if (!values.version || !['complements', 'explore'].includes(values.what)) {
    console.error('usage: tsx scripts/break-model.ts --version <12-hex version> --what complements|explore [--models public/models] [--seed S]');
    process.exit(2);
  }
  console.log(values.what === 'explore' ? breakExplore(values.models, values.version) : breakComplements(values.models, values.version, Number(values.seed)));
}
