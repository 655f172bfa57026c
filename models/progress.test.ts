import { describe, expect, it } from 'vitest';
import { progress } from './progress';

describe('progress in a log that is not a terminal (issue 34)', () => {
  it('writes plain lines at each quarter and at the end: no template fields, no count past its total, seconds since the start', () => {
    const out: string[] = [];
    const log = { isTTY: false, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
    const p = progress({ unit: 'step' }, log);
    for (let i = 1; i <= 1072; i++) p.tick('shipped', i, 100, `loss ${(1 / i).toFixed(3)}`);
    for (let i = 1; i <= 40; i++) p.tick('tower 2011-10-25', i, 40);
    p.stop();
    const text = out.join('');
    expect(text).not.toMatch(/[{}]/);
    expect(text).not.toMatch(/step 1072\/100\b/);
    for (const [, done, total] of text.matchAll(/step (\d+)\/(\d+)/g)) expect(Number(done)).toBeLessThanOrEqual(Number(total));
    for (const [, s] of text.matchAll(/\| (\d+)s\n/g)) expect(Number(s)).toBeLessThan(60);
    expect(out.filter((l) => l.startsWith('shipped')).length).toBeLessThanOrEqual(4);
    expect(out.at(-1)).toMatch(/^tower 2011-10-25 +100% \| step 40\/40 \| 0s\n$/);
  });
});
