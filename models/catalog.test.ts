import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CatalogFile } from '../lib/catalog/types';
import { buildCatalog } from './catalog';
import { catalogStaleness, writeCatalog } from './catalog-file';
import { cleanLog, DatasetNotFoundError, locateDataset, parseLog } from './data';

// A small, deliberately dirty log: every kind of row the real one has that must not become a product.
const CSV = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  // One product, three descriptions (the most common wins), two prices (the most common wins), a lower-case code.
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26,2.55,17850,United Kingdom',
  '536366,85123A,WHITE HANGING HEART T-LIGHT HOLDER ,2,2010-12-02 09:00,2.55,17851,United Kingdom',
  '536367,85123a,CREAM HANGING HEART T-LIGHT HOLDER,1,2011-11-20 10:00,2.95,,United Kingdom',
  '536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,4,2011-11-24 10:00,2.55,17850,United Kingdom',
  // A quoted field with a comma in it.
  '536369,21175,"GIN + TONIC DIET, METAL SIGN",12,2010-12-03 10:00,2.10,12583,France',
  // Cancellation of a real product.
  'C536370,21175,"GIN + TONIC DIET, METAL SIGN",-12,2010-12-04 10:00,2.10,12583,France',
  // Non-product codes: postage, manual, discount, bank charges, Amazon fee, voucher, carriage.
  '536371,POST,POSTAGE,3,2010-12-05 10:00,18.00,12583,France',
  '536372,M,Manual,1,2010-12-05 10:00,0.85,,United Kingdom',
  '536373,D,Discount,-1,2010-12-05 10:00,27.50,14527,United Kingdom',
  '536374,BANK CHARGES,Bank Charges,1,2010-12-05 10:00,15.00,,United Kingdom',
  '536375,AMAZONFEE,AMAZON FEE,1,2010-12-05 10:00,13541.33,,United Kingdom',
  '536376,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-05 10:00,17.02,,United Kingdom',
  '536377,C2,CARRIAGE,1,2010-12-05 10:00,50.00,14911,EIRE',
  // Zero price with a stock note as description; a negative-quantity adjustment.
  '536378,22139,undefined,56,2010-12-06 10:00,0,,United Kingdom',
  '536379,22139,RETROSPOT TEA SET CERAMIC 11 PC,-3,2010-12-06 10:00,4.95,,United Kingdom',
  '536380,22139,RETROSPOT TEA SET CERAMIC 11 PC,1,2010-12-06 11:00,4.95,13047,United Kingdom',
  // Malformed: no code, bad number, bad date.
  '536381,,SOMETHING,1,2010-12-06 10:00,1.00,,United Kingdom',
  '536382,22633,HAND WARMER UNION JACK,lots,2010-12-06 10:00,2.10,,United Kingdom',
  '536383,22633,HAND WARMER UNION JACK,1,06/12/2010,2.10,,United Kingdom',
  // A web-shop product code (DCGS…) is a real product even without digits at the start.
  '536384,DCGSSBOY,BOYS PARTY BAG,2,2011-11-01 10:00,3.29,,United Kingdom',
].join('\n');

// Nested one level down, so the `../shared` fallback sees an empty folder, whatever lies beside tmpdir().
function tempProject(): string {
  const root = path.join(mkdtempSync(path.join(tmpdir(), 'tandem-catalog-')), 'project');
  mkdirSync(path.join(root, 'data'), { recursive: true });
  return root;
}

describe('cleanLog', () => {
  it('drops cancellations, non-products, zero prices, adjustments and malformed rows, and says why', () => {
    const clean = cleanLog(parseLog(Buffer.from(CSV)));
    expect(clean.rows).toBe(20);
    expect(clean.dropped).toEqual({
      cancellation: 1,
      'non-product code': 7,
      'zero or negative price': 1,
      'adjustment (quantity not positive)': 1,
      'malformed row': 3,
    });
    expect(Object.keys(clean.droppedCodes).sort()).toEqual(['AMAZONFEE', 'BANK CHARGES', 'C2', 'D', 'M', 'POST', 'gift_0001_20']);
    expect(clean.purchases).toHaveLength(7);
    expect(clean.purchases.every((p) => p.quantity > 0 && p.unitPrice > 0)).toBe(true);
  });

  it('reads gzip by its magic bytes and reports missing columns', () => {
    expect(cleanLog(parseLog(gzipSync(CSV))).purchases).toHaveLength(7);
    expect(() => parseLog(Buffer.from('InvoiceNo,StockCode\n1,2\n'))).toThrow(/missing columns: Description/);
  });
});

describe('buildCatalog', () => {
  const { products, categories, lastDate } = buildCatalog(cleanLog(parseLog(Buffer.from(CSV))).purchases);
  const bySku = new Map(products.map((p) => [p.sku, p]));

  it('makes one product per real code, merging upper and lower case', () => {
    expect([...bySku.keys()].sort()).toEqual(['21175', '22139', '85123A', 'DCGSSBOY']);
  });

  it('names a product by its most common description, in title case, and prices it by the most common price', () => {
    const heart = bySku.get('85123A')!;
    expect(heart.name).toBe('White Hanging Heart T-Light Holder');
    expect(heart.price).toBe(2.55);
    expect(bySku.get('21175')!.name).toBe('Gin + Tonic Diet, Metal Sign');
    expect(bySku.get('22139')!.name).toBe('Retrospot Tea Set Ceramic 11 PC');
  });

  it('counts popularity, recent sales and first/last dates', () => {
    const heart = bySku.get('85123A')!;
    expect(heart).toMatchObject({ units: 13, orders: 4, customers: 2, firstSold: '2010-12-01', lastSold: '2011-11-24' });
    expect(heart.recentUnits).toBe(5); // 1 + 4 in the last 30 days before 2011-11-24
    expect(lastDate).toBe('2011-11-24');
    expect(products.map((p) => p.sku).slice(0, 2)).toEqual(['85123A', '21175']); // best sellers first: 13 units, then 12
  });

  it('derives categories from names', () => {
    expect(bySku.get('85123A')!.category).toBe('candles-lights');
    expect(bySku.get('22139')!.category).toBe('kitchen');
    expect(bySku.get('DCGSSBOY')!.category).toBe('party');
    expect(categories.reduce((n, c) => n + c.count, 0)).toBe(4);
  });
});

describe('locateDataset', () => {
  it('prefers TANDEM_DATASET, then data/online-retail.csv.gz, then data/online-retail.csv', () => {
    const root = tempProject();
    writeFileSync(path.join(root, 'data', 'online-retail.csv'), CSV);
    expect(locateDataset(root, {})).toBe(path.join(root, 'data', 'online-retail.csv'));
    writeFileSync(path.join(root, 'data', 'online-retail.csv.gz'), gzipSync(CSV));
    expect(locateDataset(root, {})).toBe(path.join(root, 'data', 'online-retail.csv.gz'));
    writeFileSync(path.join(root, 'mine.csv'), CSV);
    expect(locateDataset(root, { TANDEM_DATASET: 'mine.csv' })).toBe(path.join(root, 'mine.csv'));
  });

  it('stops with a message that says where to put the file and where the data set comes from', () => {
    const root = tempProject();
    expect(() => locateDataset(root, {})).toThrow(DatasetNotFoundError);
    expect(() => locateDataset(root, {})).toThrow(/data\/online-retail\.csv\.gz[\s\S]*TANDEM_DATASET[\s\S]*UCI Machine Learning Repository/);
    expect(() => locateDataset(root, { TANDEM_DATASET: 'nope.csv' })).toThrow(/TANDEM_DATASET=nope\.csv \(no such file\)/);
  });
});

describe('writeCatalog', () => {
  it('writes data/catalog.json, prints what was dropped, and rebuilds only when the data set changes', () => {
    const root = tempProject();
    const dataset = path.join(root, 'data', 'online-retail.csv');
    writeFileSync(dataset, CSV);
    expect(catalogStaleness(root, dataset)).toEqual({ stale: true, why: 'no catalog yet' });

    const lines: string[] = [];
    const result = writeCatalog(root, (l) => lines.push(l), {});
    expect(result.ok).toBe(true);
    const file = JSON.parse(readFileSync(path.join(root, 'data', 'catalog.json'), 'utf8')) as CatalogFile;
    expect(file.products).toHaveLength(4);
    expect(file.version).toMatch(/^[0-9a-f]{12}$/);
    const out = lines.join('\n');
    expect(out).toMatch(/dropped\s+1\s+cancellation/);
    expect(out).toMatch(/dropped\s+7\s+non-product code/);
    expect(out).toMatch(/POST \(1\)/);

    expect(catalogStaleness(root, dataset)).toEqual({ stale: false });
    writeFileSync(dataset, `${CSV}\n536399,21175,GIN + TONIC DIET METAL SIGN,1,2011-11-24 12:00,2.10,,France`);
    expect(catalogStaleness(root, dataset)).toEqual({ stale: true, why: 'data set changed' });
  });

  it('returns the not-found message instead of writing anything', () => {
    const result = writeCatalog(tempProject(), () => {}, {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/Purchase log not found/);
  });
});
