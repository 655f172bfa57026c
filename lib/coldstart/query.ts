/** `GET /api/rank` parameters: parsed strictly, with an error that says what was wrong. */
import { z } from 'zod';
import { SKU_PATTERN } from '../catalog/sku';
import { PLACEMENTS, type ColdStartQuery } from './rank';

export const MAX_QUERY_LENGTH = 2048;
export const MAX_RECENT = 20;

const Schema = z.strictObject({
  placement: z.enum(PLACEMENTS, { error: `placement must be one of ${PLACEMENTS.join(', ')}` }),
  // Digits only: Number() would also take "0x10", ".5e1", "5." and surrounding whitespace.
  k: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'k must be between 1 and 100, a whole number in plain digits')
    .transform(Number)
    .pipe(z.number().max(100, 'k must be between 1 and 100'))
    .default(12),
  recent: z
    .string()
    .transform((s) => (s === '' ? [] : s.split(',')))
    .pipe(z.array(z.string().regex(SKU_PATTERN, 'recent must be product codes (1 to 12 of A–Z, 0–9)')).max(MAX_RECENT, `recent takes at most ${MAX_RECENT} product codes`))
    .default([]),
  sku: z.string().regex(SKU_PATTERN, 'sku must be a product code (1 to 12 of A–Z, 0–9)').optional(),
});

export type ParsedQuery = { ok: true; query: ColdStartQuery } | { ok: false; error: string };

export function parseRankQuery(url: URL): ParsedQuery {
  if (url.search.length > MAX_QUERY_LENGTH) return { ok: false, error: `query string longer than ${MAX_QUERY_LENGTH} characters` };
  // A Map, not an object: "__proto__" or "constructor" as a parameter name must be an unknown key, not a prototype.
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (params.has(key)) return { ok: false, error: `parameter "${key.slice(0, 40)}" given more than once` };
    params.set(key, value);
  }
  const parsed = Schema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === 'unrecognized_keys' ? `unknown parameter: ${issue.keys.map((k) => k.slice(0, 40)).join(', ')}` : issue.message;
    return { ok: false, error: message };
  }
  const { placement, k, recent, sku } = parsed.data;
  return { ok: true, query: { placement, k, recent, ...(sku ? { sku } : {}) } };
}
