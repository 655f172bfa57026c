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

  it('holds an IPv6 client by its /64, and everyone once the overall budget is spent', async () => {
    const t = createSignInThrottle({ burst: 10, perMinute: 5 }, { burst: 30, perMinute: 60 }, memoryLimitStore());
    for (let i = 0; i < 10; i++) await t.failed(`2001:db8:0:1::${i + 1}`, 0);
    expect(await t.wait('2001:db8:0:1:ffff::9', 0)).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) await t.failed(`198.51.100.${i}`, 0);
    expect(await t.wait('192.0.2.1', 0)).toBe(1); // a fresh address: the overall budget is what is spent
  });

  it('"off" is no throttle', async () => {
    const t = createSignInThrottle(null, null, memoryLimitStore());
    for (let i = 0; i < 100; i++) await t.failed('127.0.0.1', 0);
    expect(await t.wait('127.0.0.1', 0)).toBe(0);
  });
});
