/**
 * items-meta.json: what a shelf shows of each product the model ranks (name, price in GBP, category), in
 * the model's item order, shipped in the model version and listed in its manifest. The worker and the edge
 * read it through the same verified loader as the embeddings, so a shelf never names a product from another
 * catalogue than the one the model was trained on.
 */
import { z } from 'zod';

export const ItemMetaFileSchema = z.object({
  catalogVersion: z.string().min(1),
  /** [name, price, category] per item, row i describing items.json's code i. */
  items: z.array(z.tuple([z.string(), z.number().nonnegative(), z.string()])),
});
export type ItemMetaFile = z.infer<typeof ItemMetaFileSchema>;
const ItemMetaEnvelope = z.object({ catalogVersion: z.string().min(1), items: z.array(z.unknown()) });

export interface ItemMeta {
  names: string[];
  prices: number[];
  categories: string[];
}

/** The file's columns, or an error saying why they cannot describe this model's `n` items of `catalogVersion`. */
export function decodeItemMeta(bytes: Uint8Array, n: number, catalogVersion: string): ItemMeta {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  // The envelope through the schema; the rows checked in the one pass that splits them into columns: the
  // schema's parse copies every row first, which at 100k products was the load's largest transient allocation.
  const parsed = ItemMetaEnvelope.safeParse(json);
  if (!parsed.success) throw new Error(`not item metadata: ${parsed.error.issues.slice(0, 2).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { items } = parsed.data;
  if (parsed.data.catalogVersion !== catalogVersion) throw new Error(`catalog ${parsed.data.catalogVersion}, manifest says ${catalogVersion}`);
  if (items.length !== n) throw new Error(`${items.length} rows, expected ${n}`);
  const meta: ItemMeta = { names: new Array<string>(n), prices: new Array<number>(n), categories: new Array<string>(n) };
  items.forEach((r, i) => {
    const bad = !Array.isArray(r) || r.length !== 3 ? '' : typeof r[0] !== 'string' ? '.0' : typeof r[1] !== 'number' || !(r[1] >= 0) ? '.1' : typeof r[2] !== 'string' ? '.2' : null;
    if (bad !== null) throw new Error(`not item metadata: items.${i}${bad}: expected [name, price ≥ 0, category]`);
    const [name, price, category] = r as [string, number, string];
    meta.names[i] = name;
    meta.prices[i] = price;
    meta.categories[i] = category;
  });
  return meta;
}

export function encodeItemMeta(catalogVersion: string, rows: ItemMetaFile['items']): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ catalogVersion, items: rows } satisfies ItemMetaFile));
}
