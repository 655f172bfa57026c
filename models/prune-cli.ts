/**
 * `npm run prune -- [--keep N] [--dry-run]`: deletes old version folders from public/models/, keeping the current
 * version, every version the config names (lib/config/default.json, and Edge Config when EDGE_CONFIG is set: if
 * it cannot be read, nothing is deleted) and the newest N (default VERSIONS_KEPT, the versions a device keeps:
 * lib/recs/manifest.ts). Prints what it keeps and why.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import localJson from '../lib/config/default.json' with { type: 'json' };
import { createConfigReader, parseLocal, remoteFromEnv } from '../lib/config/index';
import { modelVersionsNamed } from '../lib/config/schema';
import { ManifestSchema, PointerSchema, VERSIONS_KEPT } from '../lib/recs/manifest';
import { planPrune, type VersionFolder } from './prune';

const root = process.cwd();
const dir = path.join(root, 'public', 'models');
const args = process.argv.slice(2);
const keepAt = args.indexOf('--keep');
const newest = keepAt >= 0 ? Number(args[keepAt + 1]) : VERSIONS_KEPT;
if (!Number.isInteger(newest) || newest < 0) {
  console.error('usage: npm run prune -- [--keep N] [--dry-run]   (N: how many of the newest versions to keep besides the current and configured ones)');
  process.exit(2);
}

/** The versions the local file and, where EDGE_CONFIG is set, Edge Config name, read and checked as the store reads them. */
async function configuredVersions(): Promise<string[]> {
  const local = parseLocal(localJson);
  if (!process.env.EDGE_CONFIG) return modelVersionsNamed(local);
  const remote = remoteFromEnv();
  if (!remote) throw new Error('EDGE_CONFIG is set but unusable');
  const loaded = await createConfigReader({ remote, local: localJson, log: () => undefined })();
  if (loaded.problem) throw new Error(loaded.problem);
  return [...new Set([...modelVersionsNamed(local), ...modelVersionsNamed(loaded.config)])];
}

let named: string[];
try {
  named = await configuredVersions();
} catch (e) {
  console.error(`prune: cannot read the config, so nothing is deleted: ${(e as Error).message}`);
  process.exit(1);
}
const current = PointerSchema.parse(JSON.parse(readFileSync(path.join(dir, 'current.json'), 'utf8'))).version;
const folders: VersionFolder[] = readdirSync(dir)
  .filter((v) => /^[0-9a-f]{12}$/.test(v) && existsSync(path.join(dir, v, 'manifest.json')))
  .map((version) => ({ version, createdAt: ManifestSchema.parse(JSON.parse(readFileSync(path.join(dir, version, 'manifest.json'), 'utf8'))).createdAt }));
const plan = planPrune(folders, { current, named, newest });
for (const k of plan.keep) console.log(`keep    ${k.version}  (${k.why.join(', ')})`);
for (const v of plan.remove) console.log(`${args.includes('--dry-run') ? 'would remove' : 'remove'}  ${v}`);
if (!args.includes('--dry-run')) for (const v of plan.remove) rmSync(path.join(dir, v), { recursive: true });
console.log(`prune: ${plan.keep.length} kept, ${plan.remove.length} ${args.includes('--dry-run') ? 'to remove (--dry-run: nothing deleted)' : 'removed'}; rebuild (npm run build) so the store's list of versions follows`);
