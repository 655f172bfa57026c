import type { CategorySlug } from './categories';

/** One product of the store: one real StockCode of the purchase log. */
export interface Product {
  /** StockCode, upper case (the log writes some codes in both cases). */
  sku: string;
  name: string;
  /** GBP, the most common positive unit price. */
  price: number;
  category: CategorySlug;
  /** Units sold, invoices and distinct known customers over the whole log. */
  units: number;
  orders: number;
  customers: number;
  /** Units sold in the last 30 days of the log: the season's signal. */
  recentUnits: number;
  /** `YYYY-MM-DD` of the first and last sale. */
  firstSold: string;
  lastSold: string;
}

export interface CategorySummary {
  slug: CategorySlug;
  label: string;
  count: number;
}

/** The file `npm run catalog` writes (data/catalog.json). */
export interface CatalogFile {
  formatVersion: 1;
  /** Content hash of the products: changes whenever anything shown changes. */
  version: string;
  generatedAt: string;
  source: {
    dataset: string;
    datasetSha256: string;
    /** Hash of the code that built the catalog, so a rule change rebuilds it. */
    codeSha256: string;
    firstDate: string;
    lastDate: string;
  };
  categories: CategorySummary[];
  products: Product[];
}
