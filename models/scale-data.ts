/**
 * A bigger shop anyone can make: the purchase log written K times over. Copy 0 is the log as it is; copy k ≥ 1
 * renames every product code, customer id and invoice number (a `K` and the copy's two digits appended) and
 * keeps everything else, dates included. Every copy is the same shop, so every right answer is known: a model
 * that holds its quality per shop ranks each copy's shoppers exactly as it ranks the original's.
 */
import { isNonProductCode, type RawRow } from './data';
import { SKU_PATTERN } from '../lib/catalog/sku';

export const MAX_COPIES = 99;

/** The suffix copy k appends (none for copy 0). Fixed width, so no two (code, copy) pairs can meet. */
export const copySuffix = (k: number): string => (k === 0 ? '' : `K${String(k).padStart(2, '0')}`);

/**
 * Copy k's product code. Non-product codes (postage, fees) are left as they are: the cleaning drops them by
 * their exact name or prefix, which a suffix must not hide.
 */
export function copyCode(code: string, k: number): string {
  const c = code.trim().toUpperCase();
  if (k === 0 || c === '' || isNonProductCode(c)) return code;
  const renamed = c + copySuffix(k);
  if (!SKU_PATTERN.test(renamed)) throw new Error(`scale: product code ${JSON.stringify(code)} copied as ${renamed} is not a product code (at most 12 letters and digits)`);
  return renamed;
}

export function copyRow(row: RawRow, k: number): RawRow {
  if (k === 0) return row;
  const customer = row.CustomerID.trim();
  return {
    ...row,
    InvoiceNo: row.InvoiceNo.trim() === '' ? row.InvoiceNo : row.InvoiceNo.trim() + copySuffix(k),
    StockCode: copyCode(row.StockCode, k),
    CustomerID: customer === '' ? '' : customer.replace(/\.0$/, '') + copySuffix(k),
  };
}

const COLUMNS: (keyof RawRow)[] = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The K-fold log as CSV text chunks (header first): each row of the source followed by its K − 1 copies, so
 * a log sorted by time stays sorted by time.
 */
export function* scaledCsv(rows: readonly RawRow[], copies: number): Generator<string> {
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) throw new Error(`scale: --copies takes a whole number from 1 to ${MAX_COPIES} (got ${copies})`);
  yield `${COLUMNS.join(',')}\n`;
  const lines: string[] = [];
  for (const row of rows) {
    for (let k = 0; k < copies; k++) {
      const r = copyRow(row, k);
      lines.push(COLUMNS.map((c) => field(r[c] ?? '')).join(','));
    }
    if (lines.length >= 20_000) yield `${lines.splice(0).join('\n')}\n`;
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}
