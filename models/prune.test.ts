import { describe, expect, it } from 'vitest';
import { planPrune } from './prune';

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`;
const folders = [
  { version: 'aaaaaaaaaaaa', createdAt: at(1) },
  { version: 'bbbbbbbbbbbb', createdAt: at(2) },
  { version: 'cccccccccccc', createdAt: at(3) },
  { version: 'dddddddddddd', createdAt: at(4) },
  { version: 'eeeeeeeeeeee', createdAt: at(5) },
];

describe('pruning old model versions', () => {
  it('keeps the current version, every version the config names and the newest N, saying why; removes the rest', () => {
    const plan = planPrune(folders, { current: 'bbbbbbbbbbbb', named: ['aaaaaaaaaaaa', 'bbbbbbbbbbbb'], newest: 2 });
    expect(plan.keep).toEqual([
      { version: 'eeeeeeeeeeee', why: ['newest'] },
      { version: 'dddddddddddd', why: ['newest'] },
      { version: 'bbbbbbbbbbbb', why: ['current', 'config'] },
      { version: 'aaaaaaaaaaaa', why: ['config'] },
    ]);
    expect(plan.remove).toEqual(['cccccccccccc']);
  });

  it('--keep 0 still keeps the current and the configured versions; a version named but absent changes nothing', () => {
    const plan = planPrune(folders, { current: 'eeeeeeeeeeee', named: ['ffffffffffff'], newest: 0 });
    expect(plan.keep.map((k) => k.version)).toEqual(['eeeeeeeeeeee']);
    expect(plan.remove).toEqual(['dddddddddddd', 'cccccccccccc', 'bbbbbbbbbbbb', 'aaaaaaaaaaaa']);
  });
});
