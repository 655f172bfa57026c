import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, categorize } from './categories';
import { displayName } from './display-name';
import { paginate, parsePage, parseSort } from './listing';
import { productPicture, wrapName } from './picture';
import { createSearchIndex, searchProducts } from './search';
import { isSku } from './sku';
import { parseCatalogFile, type Product } from './types';

const product = (sku: string, name: string, over: Partial<Product> = {}): Product => ({
  sku,
  name,
  price: 1,
  category: categorize(name),
  units: 1,
  orders: 1,
  customers: 1,
  recentUnits: 0,
  firstSold: '2011-01-01',
  lastSold: '2011-01-01',
  ...over,
});

describe('the product code', () => {
  it('is one rule: upper-case letters and digits, 1 to 12', () => {
    for (const ok of ['85123A', 'DCGSSGIRL', '1', 'ABCDEFGHIJ12']) expect(isSku(ok)).toBe(true);
    for (const bad of ['', '85123a', 'ABCDEFGHIJ123', '../x', '85123A ', 42, null]) expect(isSku(bad)).toBe(false);
  });
});

describe('parseCatalogFile, the one reader of data/catalog.json', () => {
  const file = (products: unknown[]) =>
    JSON.stringify({
      formatVersion: 1,
      version: 'abcdef012345',
      generatedAt: '2026-01-01T00:00:00Z',
      source: { dataset: 'x.csv', datasetSha256: 'a', codeSha256: 'b', firstDate: '2010-12-01', lastDate: '2011-12-09' },
      categories: [{ slug: 'garden', label: 'Garden', count: 1 }],
      products,
    });
  it('returns the products of a well-formed file', () => {
    expect(parseCatalogFile(file([product('22423', 'REGENCY CAKESTAND 3 TIER')])).products[0]!.sku).toBe('22423');
  });
  it('names the field of a file that is not a catalogue', () => {
    expect(() => parseCatalogFile(file([{ ...product('22423', 'CAKESTAND'), price: -2 }]))).toThrow(/catalog is invalid: products\.0\.price/);
    expect(() => parseCatalogFile(file([{ ...product('22423', 'CAKESTAND'), category: 'toys!' }]))).toThrow(/products\.0\.category/);
    expect(() => parseCatalogFile(file([product('bad code', 'CAKESTAND')]))).toThrow(/products\.0\.sku/);
    expect(() => parseCatalogFile('{"formatVersion":1')).toThrow(/catalog is not JSON/);
  });
});

describe('categorize', () => {
  it.each([
    ['White Hanging Heart T-Light Holder', 'candles-lights'],
    ['Christmas Candle Scented', 'christmas'],
    ['Party Bunting', 'party'],
    ['Jumbo Bag Red Retrospot', 'bags'],
    ['Lunch Box I Love London', 'kitchen'],
    ['Red Retrospot Oven Glove', 'kitchen'],
    ['Chocolate Hot Water Bottle', 'bath'],
    ['Pack of 12 Coloured Pencils', 'stationery'],
    ['Traditional Wooden Skipping Rope', 'toys'],
    ['Watering Can Pink Bunny', 'garden'],
    ['Hand Warmer Owl Design', 'jewellery'],
    ['Red Retrospot Wrap', 'cards-wrap'],
    ['Cook with Wine Metal Sign', 'home-decor'],
    ['Sombrero', 'other'],
  ])('%s → %s', (name, slug) => {
    expect(categorize(name)).toBe(slug);
  });

  it('matches whole words only', () => {
    expect(categorize('Dolly Girl Mug')).toBe('kitchen'); // DOLLY is not DOLL
    expect(categorize('Penny Farthing')).not.toBe('stationery'); // PENNY is not PEN
  });

  it('has at least 10 real categories and a fallback', () => {
    expect(CATEGORIES.filter((c) => c.slug !== 'other').length).toBeGreaterThanOrEqual(10);
    expect(CATEGORIES.at(-1)!.slug).toBe('other');
  });
});

describe('displayName', () => {
  it.each([
    ['WHITE HANGING HEART T-LIGHT HOLDER ', 'White Hanging Heart T-Light Holder'],
    ['SET OF 4 KNICK KNACK TINS  DOILEY ', 'Set of 4 Knick Knack Tins Doiley'],
    ['RED TOADSTOOL LED NIGHT LIGHT', 'Red Toadstool LED Night Light'],
    ['S/4 PINK FLOWER CANDLES IN BOWL', 'S/4 Pink Flower Candles in Bowl'],
    ['POLYESTER FILLER PAD 45x45cm', 'Polyester Filler Pad 45x45cm'],
    ["CHILDREN'S APRON DOLLY GIRL", "Children's Apron Dolly Girl"],
    ['OF MICE AND MEN', 'Of Mice and Men'],
  ])('%s → %s', (raw, nice) => {
    expect(displayName(raw)).toBe(nice);
  });
});

describe('searchProducts', () => {
  const products = [
    product('A', 'White Hanging Heart T-Light Holder', { units: 10 }),
    product('B', 'Heart of Wicker Small', { units: 50 }),
    product('C', 'Sweetheart Ceramic Trinket Box', { units: 99 }),
    product('D', 'Jumbo Bag Red Retrospot', { units: 500 }),
    product('E', 'Hearts Wrapping Tape', { units: 5 }),
  ];
  const index = createSearchIndex(products);

  it('finds every product with a word starting with the query, whole words first, then by popularity', () => {
    expect(searchProducts(index, 'heart').map((p) => p.sku)).toEqual(['B', 'A', 'E']);
    expect(searchProducts(index, 'HEARTS').map((p) => p.sku)).toEqual(['B', 'A', 'E']);
    expect(searchProducts(index, 'hea').map((p) => p.sku)).toEqual(['B', 'A', 'E']);
  });

  it('needs every word to match, ignores punctuation, and finds codes', () => {
    expect(searchProducts(index, 'heart  wicker!').map((p) => p.sku)).toEqual(['B']);
    expect(searchProducts(index, 't-light').map((p) => p.sku)).toEqual(['A']);
    expect(searchProducts(index, 'd').map((p) => p.sku)).toContain('D');
    expect(searchProducts(index, '   ')).toEqual([]);
    expect(searchProducts(index, 'zebra')).toEqual([]);
  });

  it('answers as a scan of every name would, on a catalogue of 3,000 made-up names', () => {
    const vocab = ['heart', 'hearts', 'heartfelt', 'bag', 'bags', 'box', 'boxes', 'light', 't', 'red', 'retrospot', 'rose', 'roses', 'tin', 'tins', 'tiny', 'cake', 'cakestand', 'set', 'sets', 'of', '3'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const many = Array.from({ length: 3000 }, (_, i) => product(`S${i}`, Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => vocab[Math.floor(rnd() * vocab.length)]).join(' '), { units: Math.floor(rnd() * 40) }));
    // The definition the index must keep: every term starts a word; 2 for the word (or its plural), else 1.
    const scan = (q: string) => {
      const stemmed = (t: string) => (t.length > 4 && /(x|ch|sh|ss)es$/.test(t) ? t.slice(0, -2) : t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t);
      const terms = q.split(' ').map(stemmed);
      return many
        .map((p) => {
          const words = `${p.name} ${p.sku}`.toLowerCase().split(' ');
          const per = terms.map((term) => Math.max(0, ...words.map((w) => (w === term || stemmed(w) === term ? 2 : w.startsWith(term) ? 1 : 0))));
          return { p, score: per.every((x) => x > 0) ? per.reduce((a, b) => a + b, 0) : 0 };
        })
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score || b.p.units - a.p.units || (a.p.sku < b.p.sku ? -1 : 1))
        .map((h) => h.p.sku);
    };
    const big = createSearchIndex(many);
    for (const q of ['heart', 'hearts', 'hea', 'h', 'boxes', 'box', 'bag red', 'tin', 'tins', 'tiny rose', 'cake', 'cakes', 'set of 3', 's1', 'zebra', 'rose roses']) {
      expect(searchProducts(big, q).map((p) => p.sku), q).toEqual(scan(q));
    }
  });
});

describe('listing', () => {
  const products = Array.from({ length: 50 }, (_, i) =>
    product(`P${String(i).padStart(2, '0')}`, `Thing ${i}`, { price: (i % 7) + 1, units: i % 5 }),
  );

  it('paginates without overlap or loss, in a stable order', () => {
    const pages = [1, 2, 3].map((n) => paginate(products, 'price-asc', n, 24)!);
    expect(pages.map((p) => p.items.length)).toEqual([24, 24, 2]);
    expect(new Set(pages.flatMap((p) => p.items.map((i) => i.sku))).size).toBe(50);
    const prices = pages.flatMap((p) => p.items.map((i) => i.price));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(pages[0]!.pageCount).toBe(3);
    expect(paginate(products, 'price-asc', 4, 24)).toBeNull();
  });

  it('parses sort and page from the query string', () => {
    expect(parseSort('price-desc')).toBe('price-desc');
    expect(parseSort('__proto__')).toBe('popular');
    expect(parseSort(['name'])).toBe('popular');
    expect(parsePage(undefined)).toBe(1);
    expect(parsePage('3')).toBe(3);
    expect(parsePage('0')).toBeNull();
    expect(parsePage('2.5')).toBeNull();
    expect(parsePage('9999999')).toBeNull();
  });
});

describe('productPicture', () => {
  it('is valid SVG of a fixed size with the name legible and escaped', () => {
    const svg = productPicture({ sku: '21175', name: 'Gin + Tonic <Diet> & "Metal" Sign', category: 'home-decor', categoryLabel: 'Home decor' });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<svg[^>]* width="400" height="400"/);
    expect(svg).toContain('Gin + Tonic &#60;Diet&#62;');
  });

  it('is valid for every category and differs between products of one category', () => {
    for (const c of CATEGORIES) {
      expect(XMLValidator.validate(productPicture({ sku: 'X1', name: 'Long Name '.repeat(8), category: c.slug, categoryLabel: c.label }))).toBe(true);
    }
    const a = productPicture({ sku: '10001', name: 'Mug', category: 'kitchen', categoryLabel: 'Kitchen' });
    const b = productPicture({ sku: '10002', name: 'Mug', category: 'kitchen', categoryLabel: 'Kitchen' });
    expect(a).not.toBe(b);
  });

  it('wraps names into at most three lines and marks what was cut', () => {
    expect(wrapName('White Hanging Heart T-Light Holder', 18, 3)).toEqual(['White Hanging', 'Heart T-Light', 'Holder']);
    const cut = wrapName('One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve', 10, 3);
    expect(cut).toHaveLength(3);
    expect(cut[2]!.endsWith('…')).toBe(true);
  });
});
