/** Run before build and start: rebuilds the catalog only when it is missing or stale. */
import { catalogStaleness, writeCatalog } from './catalog-file';
import { DatasetNotFoundError, locateDataset } from './data';

const root = process.cwd();
try {
  const s = catalogStaleness(root, locateDataset(root));
  if (!s.stale) {
    console.log('catalog: up to date');
  } else {
    console.log(`catalog: rebuilding (${s.why})`);
    const r = writeCatalog(root);
    if (!r.ok) throw new Error(r.error);
  }
} catch (e) {
  console.error(e instanceof DatasetNotFoundError || e instanceof Error ? e.message : e);
  process.exit(1);
}
