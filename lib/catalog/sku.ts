/**
 * The product code, defined once: a StockCode of the purchase log as the catalogue writes it (upper case,
 * letters and digits; the longest in the log has 9 characters, 12 leaves room). Every reader of a code
 * from outside (config, events, the edge's query, the handoff fragment, the session list) checks this.
 */
export const SKU_PATTERN = /^[A-Z0-9]{1,12}$/;
export const SKU_RULE = 'a product code (1 to 12 upper-case letters and digits)';

export function isSku(value: unknown): value is string {
  return typeof value === 'string' && SKU_PATTERN.test(value);
}
