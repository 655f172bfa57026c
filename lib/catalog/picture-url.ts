/** The picture's URL carries the catalog version, so it can be cached forever and still change with the name. */
export function pictureUrl(sku: string, catalogVersion: string): string {
  return `/images/products/${encodeURIComponent(sku)}.svg?v=${catalogVersion}`;
}
