import { describe, expect, it } from 'vitest';
import { memoryLimitStore } from '../http/rate-limit';
import { createSignInThrottle } from './throttle';

describe('the sign-in throttle', async () => {
  it('lets 10 failures through per address, then says how long to wait; only failures count; another address is not held', async () => {
    const t = createSignInThrottle(undefined, undefined, memoryLimitStore());
    const now = 1_000_000;
    for (let i = 0; i < 10; i++) {
      expect(await t.wait('203.0.113.7', now)).toBe(0);
      await t.failed('203.0.113.7', now);
    }
    expect(await t.wait('203.0.113.7', now)).toBe(12); // 5 a minute: one attempt back in 12 s
    expect(await t.wait('203.0.113.8', now)).toBe(0);
    expect(await t.wait('203.0.113.7', now + 12_000)).toBe(0);
  });

  it('holds an IPv6 client by its /64 and a site by its /48 (three addresses\' worth); a flood from many addresses holds nobody else, and says so (issue 34)', async () => {
    const warnings: string[] = [];
    const t = createSignInThrottle({ burst: 10, perMinute: 5 }, { burst: 30, perMinute: 60 }, memoryLimitStore(), (m) => warnings.push(m));
    for (let i = 0; i < 10; i++) await t.failed(`2001:db8:0:1::${i + 1}`, 0);
    expect(await t.wait('2001:db8:0:1:ffff::9', 0)).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) await t.failed(`2001:db8:0:${(i + 2).toString(16)}::1`, 0);
    expect(await t.wait('2001:db8:0:99::1', 0)).toBeGreaterThan(0); // the /48 has spent 30: a fresh /64 in it waits too
    expect(await t.wait('2001:db8:1:99::1', 0)).toBe(0); // another site does not
    for (let i = 0; i < 210; i++) await t.failed(`198.51.100.${i}`, 0);
    // 240 failures over all: the overall count is spent, and the owner's fresh address still tries at once.
    expect(await t.wait('192.0.2.1', 0)).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/many addresses/);
  });

  it('"off" is no throttle', async () => {
    const t = createSignInThrottle(null, null, memoryLimitStore());
    for (let i = 0; i < 100; i++) await t.failed('127.0.0.1', 0);
    expect(await t.wait('127.0.0.1', 0)).toBe(0);
  });
});
