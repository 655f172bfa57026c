/**
 * A candidate against the current version (models/gate.ts), read from their manifests: what `npm run promote`
 * and `npm run models` print and decide by.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestSchema, PointerSchema } from '../lib/recs/manifest';
import { gate, gateTable } from './gate';
import { MODELS_DIR } from './pipeline';

const manifestOf = (root: string, version: string) => {
  const file = path.join(root, MODELS_DIR, version, 'manifest.json');
  if (!existsSync(file)) throw new Error(`no version ${version} in ${MODELS_DIR}`);
  return ManifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
};

export function gateVersions(root: string, candidate: string): { pass: boolean; table: string; current: string; failed: string[] } {
  const current = PointerSchema.parse(JSON.parse(readFileSync(path.join(root, MODELS_DIR, 'current.json'), 'utf8'))).version;
  const result = gate(manifestOf(root, current), manifestOf(root, candidate));
  const header = `backtest NDCG@10, mean ± s.e. over the reported windows (worse = below by more than the s.e. of the difference)`;
  const same = current === candidate;
  return {
    pass: same || result.pass,
    table: `${header}\n${gateTable(result, { current, candidate })}`,
    current,
    failed: same ? [] : [...result.rows.filter((r) => r.worse).map((r) => r.measure), ...(result.older ? ['data (older)'] : []), ...(result.otherData ? ['data (another purchase log: not comparable)'] : [])],
  };
}
