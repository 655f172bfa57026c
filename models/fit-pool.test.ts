import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_SPEC } from '../lib/recs/features';
import { createPool, fitTowers } from './fit-pool';
import { DEFAULT_TRAIN_CONFIG } from './train';
import { packPurchases, unpackPurchases } from './data';
import { syntheticProducts } from './test-model';
import { DAY } from './time';
import { rng } from './random';

const skus = Array.from({ length: 24 }, (_, i) => `P${i}`);
const products = syntheticProducts(skus).map((p) => ({ ...p, units: 1, orders: 1, customers: 1, recentUnits: 0, firstSold: '2011-01-01', lastSold: '2011-03-01' }));
const START = Date.UTC(2011, 0, 1);
const r = rng(9);
const log = Array.from({ length: 600 }, (_, k) => ({ invoice: `${k}`, sku: skus[Math.floor(r() * skus.length)]!, date: new Date(START + Math.floor(k / 10) * DAY).toISOString().slice(0, 16).replace('T', ' '), customerId: `c${k % 12}` }));
const config = { ...DEFAULT_TRAIN_CONFIG, dim: 8, epochs: 2, batchSize: 16 };
const jobs = [20, 40, 60].map((d) => ({ label: `d${d}`, now: START + d * DAY }));

describe('training pool', () => {
  it('gives the same towers on worker threads as in this thread, whatever the order they finish in', async () => {
    const here = await fitTowers(createPool(1), products, log, jobs, DEFAULT_FEATURE_SPEC, config);
    const steps: string[] = [];
    const workers = await fitTowers(createPool(2), products, log, jobs, DEFAULT_FEATURE_SPEC, config, (label) => steps.push(label));
    expect([...workers.keys()].sort()).toEqual(['d20', 'd40', 'd60']);
    for (const job of jobs) {
      expect(workers.get(job.label)!.examples).toBeGreaterThan(0);
      expect(workers.get(job.label)!.model.items).toEqual(here.get(job.label)!.model.items);
      expect(workers.get(job.label)!.model.W).toEqual(here.get(job.label)!.model.W);
    }
    expect(new Set(steps).size).toBe(3);
  }, 60_000);

  it('sends a log to a worker as columns and gets the same rows back, guest rows included', () => {
    const withGuests = log.map((p, k) => (k % 7 === 0 ? { ...p, customerId: null } : p));
    const packed = packPurchases(withGuests);
    expect(packed.strings.sku.length).toBeLessThanOrEqual(skus.length);
    expect(unpackPurchases(structuredClone(packed))).toEqual(withGuests);
  });
});
