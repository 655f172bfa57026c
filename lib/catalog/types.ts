import { z } from 'zod';
import { CATEGORIES, type CategorySlug } from './categories';
import { SKU_PATTERN } from './sku';

const Category = z.enum(CATEGORIES.map((c) => c.slug) as [CategorySlug, ...CategorySlug[]]);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One product of the store: one real StockCode of the purchase log. */
const ProductSchema = z.object({
  /** StockCode, upper case (the log writes some codes in both cases). */
  sku: z.string().regex(SKU_PATTERN),
  name: z.string().min(1),
  /** GBP, the most common positive unit price. */
  price: z.number().positive(),
  category: Category,
  /** Units sold, invoices and distinct known customers over the whole log. */
  units: z.number().int().nonnegative(),
  orders: z.number().int().nonnegative(),
  customers: z.number().int().nonnegative(),
  /** Units sold in the last 30 days of the log: the season's signal. */
  recentUnits: z.number().int().nonnegative(),
  /** `YYYY-MM-DD` of the first and last sale. */
  firstSold: Day,
  lastSold: Day,
});
export type Product = z.infer<typeof ProductSchema>;

const CategorySummarySchema = z.object({ slug: Category, label: z.string(), count: z.number().int().nonnegative() });
export type CategorySummary = z.infer<typeof CategorySummarySchema>;

/** The file `npm run catalog` writes (data/catalog.json). */
const CatalogFileSchema = z.object({
  formatVersion: z.literal(1),
  /** Content hash of the products: changes whenever anything shown changes. */
  version: z.string().regex(/^[0-9a-f]{12}$/),
  generatedAt: z.string(),
  source: z.object({
    dataset: z.string(),
    datasetSha256: z.string(),
    /** Hash of the code that built the catalog, so a rule change rebuilds it. */
    codeSha256: z.string(),
    firstDate: Day,
    lastDate: Day,
  }),
  categories: z.array(CategorySummarySchema),
  products: z.array(ProductSchema),
});
export type CatalogFile = z.infer<typeof CatalogFileSchema>;

/**
 * The one reader of data/catalog.json's text, for the server, the training pipeline and the tools: a file
 * from another format or a hand edit gone wrong is an error naming the field, never half a catalogue.
 */
export function parseCatalogFile(text: string): CatalogFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`catalog is not JSON (${(e as Error).message})`);
  }
  const parsed = CatalogFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`catalog is invalid: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
