/**
 * `npm run promote -- VERSION [--force]`: makes a candidate (`npm run models -- --candidate`) the store's version,
 * only if the gate (models/gate.ts) finds it not worse than the current one on any backtest measure; prints both
 * side by side either way. Refused: exit 1, naming the measures. `--force` promotes anyway and says so.
 * The validation model `npm run eval` re-measures stays the last full run's.
 */
import { ensureCatalog } from './ensure-data';
import { pointTo, readCatalog } from './pipeline';
import { gateVersions } from './promote';

const root = process.cwd();
const version = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!version || !/^[0-9a-f]{12}$/.test(version)) {
  console.error('usage: npm run promote -- VERSION [--force]   (VERSION: a folder of public/models, 12 hex digits)');
  process.exit(2);
}
ensureCatalog(root);
let verdict: ReturnType<typeof gateVersions>;
try {
  verdict = gateVersions(root, version);
} catch (e) {
  console.error(`promote: ${(e as Error).message}`);
  process.exit(2);
}
console.log(verdict.table);
const force = process.argv.includes('--force');
if (!verdict.pass && !force) {
  console.error(`promote: refused: ${version} fails the gate against ${verdict.current} on ${verdict.failed.join(', ')}. --force overrides.`);
  process.exit(1);
}
pointTo(root, version, readCatalog(root));
console.log(`promote: ${version} is current${verdict.pass ? '' : ' (--force: the gate refused it)'}; it was ${verdict.current}`);
