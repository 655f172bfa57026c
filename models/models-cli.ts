/** `npm run models [-- --ablation]`: (re)builds the catalog if needed, then trains, evaluates and exports the model. */
import { ensureCatalog } from './ensure-data';
import { readCatalog, readPurchases, runPipeline } from './pipeline';

const root = process.cwd();
ensureCatalog(root);
runPipeline(root, readCatalog(root), readPurchases(root), { ablation: process.argv.includes('--ablation') });
