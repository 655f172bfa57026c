/** `npm run catalog`: reads the purchase log and writes data/catalog.json, with a report of what was dropped. */
import { writeCatalog } from './catalog-file';

const result = writeCatalog(process.cwd());
if (!result.ok) {
  console.error(result.error);
  process.exit(1);
}
