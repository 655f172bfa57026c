/**
 * Reading and cleaning the purchase log. Everything downstream (catalog, training, evaluation)
 * sees only the rows that survive `cleanLog`, so there is one definition of "a real purchase".
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { HistoryEvent } from '../lib/recs/features';
import { toMillis } from './time';

export const DATASET_FILE = 'online-retail.csv.gz';
const FULL_DATASET_SOURCE =
  '"Online Retail" by Daqing Chen, UCI Machine Learning Repository (CC BY 4.0), id 352';

export class DatasetNotFoundError extends Error {
  constructor(tried: string[]) {
    super(
      [
        'Purchase log not found. Looked in:',
        ...tried.map((t) => `  - ${t}`),
        'Put the file at data/online-retail.csv.gz (or .csv) in this project, keep the shared folder',
        'beside the checkout (../shared/datasets/online-retail/), or set TANDEM_DATASET=/path/to/file.',
        `The full data set is ${FULL_DATASET_SOURCE}; any CSV with its columns works.`,
      ].join('\n'),
    );
    this.name = 'DatasetNotFoundError';
  }
}

/** TANDEM_DATASET, else data/online-retail.csv(.gz), else ../shared/datasets/online-retail/. */
export function locateDataset(root: string, env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.TANDEM_DATASET;
  if (fromEnv) {
    const p = path.resolve(root, fromEnv);
    if (existsSync(p)) return p;
    throw new DatasetNotFoundError([`TANDEM_DATASET=${fromEnv} (no such file)`]);
  }
  const candidates = [
    path.join(root, 'data', 'online-retail.csv.gz'),
    path.join(root, 'data', 'online-retail.csv'),
    path.join(root, '..', 'shared', 'datasets', 'online-retail', DATASET_FILE),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new DatasetNotFoundError(['TANDEM_DATASET (not set)', ...candidates]);
  return found;
}

export interface RawRow {
  InvoiceNo: string;
  StockCode: string;
  Description: string;
  Quantity: string;
  InvoiceDate: string;
  UnitPrice: string;
  CustomerID: string;
  Country: string;
}

const COLUMNS: (keyof RawRow)[] = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];

/** Parses the CSV (RFC 4180 quoting; gzip detected by its magic bytes, not the file name). */
export function parseLog(bytes: Uint8Array): RawRow[] {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) as Record<string, string>[];
  const header = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const missing = COLUMNS.filter((c) => !header.includes(c));
  if (rows.length > 0 && missing.length > 0) throw new Error(`Purchase log is missing columns: ${missing.join(', ')}`);
  return rows as unknown as RawRow[];
}

export function readLog(file: string): RawRow[] {
  return parseLog(readFileSync(file));
}

/** One purchased line that survived cleaning. */
export interface Purchase {
  invoice: string;
  sku: string;
  description: string;
  quantity: number;
  /** `YYYY-MM-DD HH:MM`, UTC as recorded; sorts as a string. */
  date: string;
  unitPrice: number;
  customerId: string | null;
  country: string;
}

export type DropReason =
  | 'cancellation'
  | 'non-product code'
  | 'zero or negative price'
  | 'adjustment (quantity not positive)'
  | 'malformed row';

/**
 * Codes that are fees, postage, discounts, manual corrections, samples or vouchers rather than goods.
 * DCGS… codes are real products sold through the retailer's web shop and stay.
 */
const NON_PRODUCT_CODES = new Set([
  'POST', 'DOT', 'C2', 'D', 'M', 'S', 'B', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'PADS', 'ADJUST', 'ADJUST2',
]);

export function isNonProductCode(code: string): boolean {
  const c = code.trim().toUpperCase();
  if (c.startsWith('DCGS')) return false;
  return NON_PRODUCT_CODES.has(c) || c.startsWith('GIFT_') || c.startsWith('TEST') || !/[0-9]/.test(c);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;

export function cleanRow(row: RawRow): Purchase | DropReason {
  const invoice = (row.InvoiceNo ?? '').trim();
  const code = (row.StockCode ?? '').trim().toUpperCase();
  const quantity = Number(row.Quantity);
  const unitPrice = Number(row.UnitPrice);
  const date = (row.InvoiceDate ?? '').trim();
  if (!invoice || !code || !Number.isFinite(quantity) || !Number.isFinite(unitPrice) || !DATE_RE.test(date)) {
    return 'malformed row';
  }
  if (invoice.toUpperCase().startsWith('C')) return 'cancellation';
  if (isNonProductCode(code)) return 'non-product code';
  if (unitPrice <= 0) return 'zero or negative price';
  if (quantity <= 0 || invoice.toUpperCase().startsWith('A')) return 'adjustment (quantity not positive)';
  const customer = (row.CustomerID ?? '').trim().replace(/\.0$/, '');
  return {
    invoice,
    sku: code,
    description: (row.Description ?? '').trim().replace(/\s+/g, ' '),
    quantity,
    date,
    unitPrice,
    customerId: customer === '' ? null : customer,
    country: (row.Country ?? '').trim(),
  };
}

export interface CleanLog {
  purchases: Purchase[];
  rows: number;
  dropped: Record<DropReason, number>;
  /** Which non-product codes were dropped, with row counts, for the report. */
  droppedCodes: Record<string, number>;
}

export function cleanLog(rows: RawRow[]): CleanLog {
  const dropped: Record<DropReason, number> = {
    cancellation: 0,
    'non-product code': 0,
    'zero or negative price': 0,
    'adjustment (quantity not positive)': 0,
    'malformed row': 0,
  };
  const droppedCodes: Record<string, number> = {};
  const purchases: Purchase[] = [];
  for (const row of rows) {
    const r = cleanRow(row);
    if (typeof r === 'string') {
      dropped[r]++;
      if (r === 'non-product code') {
        const c = (row.StockCode ?? '').trim();
        droppedCodes[c] = (droppedCodes[c] ?? 0) + 1;
      }
    } else purchases.push(r);
  }
  // The shipped log is sorted by time; a user's file may not be, and everything downstream splits by date.
  purchases.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { purchases, rows: rows.length, dropped, droppedCodes };
}

export interface Purchaseish {
  sku: string;
  invoice: string;
  date: string;
  customerId: string | null;
}

/** Customer → their purchase events, time-ordered (guest rows without a customer id are skipped). */
export function eventsByCustomer(purchases: readonly Purchaseish[]): Map<string, HistoryEvent[]> {
  const out = new Map<string, HistoryEvent[]>();
  for (const p of purchases) {
    if (!p.customerId) continue;
    const list = out.get(p.customerId) ?? [];
    list.push({ sku: p.sku, at: toMillis(p.date), kind: 'purchase' });
    out.set(p.customerId, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/**
 * The log as three typed arrays (customer, product, time), for a training worker: a structured clone of two
 * million purchase objects was hundreds of megabytes per worker, these are 16 bytes a row, copied flat.
 * Guest rows are left out (no history to learn from); `skus` names the product indexes.
 */
export interface CompactLog {
  customer: Int32Array;
  sku: Int32Array;
  at: Float64Array;
  skus: string[];
}

export function compactLog(purchases: readonly Purchaseish[]): CompactLog {
  const customers = new Map<string, number>();
  const skus = new Map<string, number>();
  const rows = purchases.filter((p) => p.customerId);
  const log: CompactLog = { customer: new Int32Array(rows.length), sku: new Int32Array(rows.length), at: new Float64Array(rows.length), skus: [] };
  rows.forEach((p, r) => {
    let c = customers.get(p.customerId!);
    if (c === undefined) customers.set(p.customerId!, (c = customers.size));
    let k = skus.get(p.sku);
    if (k === undefined) skus.set(p.sku, (k = skus.size));
    log.customer[r] = c;
    log.sku[r] = k;
    log.at[r] = toMillis(p.date);
  });
  log.skus = [...skus.keys()];
  return log;
}

/** The rows of `log` dated before `before`. */
export function logBefore(log: CompactLog, before: number): CompactLog {
  const keep: number[] = [];
  for (let r = 0; r < log.at.length; r++) if (log.at[r]! < before) keep.push(r);
  const pick = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((r, k) => (out[k] = a[r]!));
    return out;
  };
  return { customer: pick(log.customer, (n) => new Int32Array(n)), sku: pick(log.sku, (n) => new Int32Array(n)), at: pick(log.at, (n) => new Float64Array(n)), skus: log.skus };
}

/** eventsByCustomer() of the rows `log` holds: the same lists, in the same order. */
export function compactEvents(log: CompactLog): Map<string, HistoryEvent[]> {
  const out = new Map<string, HistoryEvent[]>();
  for (let r = 0; r < log.at.length; r++) {
    const key = String(log.customer[r]);
    const list = out.get(key) ?? [];
    list.push({ sku: log.skus[log.sku[r]!]!, at: log.at[r]!, kind: 'purchase' });
    out.set(key, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/**
 * A log as columns over string tables, for a worker (models/fit-pool.ts): millions of small objects clone slowly
 * and twice as large as these arrays. `unpackPurchases` gives back the same four fields, row for row.
 */
export interface PackedPurchases {
  sku: Int32Array;
  invoice: Int32Array;
  date: Int32Array;
  /** −1: a guest row (no customer id). */
  customer: Int32Array;
  strings: { sku: string[]; invoice: string[]; date: string[]; customer: string[] };
}

export function packPurchases(purchases: readonly Purchaseish[]): PackedPurchases {
  const tables = { sku: new Map<string, number>(), invoice: new Map<string, number>(), date: new Map<string, number>(), customer: new Map<string, number>() };
  const id = (table: Map<string, number>, s: string) => table.get(s) ?? table.set(s, table.size).get(s)!;
  const n = purchases.length;
  const out = { sku: new Int32Array(n), invoice: new Int32Array(n), date: new Int32Array(n), customer: new Int32Array(n) };
  purchases.forEach((p, r) => {
    out.sku[r] = id(tables.sku, p.sku);
    out.invoice[r] = id(tables.invoice, p.invoice);
    out.date[r] = id(tables.date, p.date);
    out.customer[r] = p.customerId === null ? -1 : id(tables.customer, p.customerId);
  });
  return { ...out, strings: { sku: [...tables.sku.keys()], invoice: [...tables.invoice.keys()], date: [...tables.date.keys()], customer: [...tables.customer.keys()] } };
}

export function unpackPurchases(p: PackedPurchases): Purchaseish[] {
  const { strings } = p;
  return Array.from(p.sku, (sku, r) => ({ sku: strings.sku[sku]!, invoice: strings.invoice[p.invoice[r]!]!, date: strings.date[p.date[r]!]!, customerId: p.customer[r]! < 0 ? null : strings.customer[p.customer[r]!]! }));
}
