/** `npm run models`: (re)builds the catalog if needed, then trains, evaluates and exports the model. */
import { ensureCatalog } from './ensure-data';
import { loadInputs, runPipeline } from './pipeline';

const root = process.cwd();
ensureCatalog(root);
const { catalog, purchases } = loadInputs(root);
runPipeline(root, catalog, purchases);
