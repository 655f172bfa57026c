import { afterEach, describe, expect, it, vi } from 'vitest';

describe('/api/rank limit per address', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('spends one per request, then says how long to wait; an IPv6 /64 is one address; "off" is no limit', async () => {
    vi.stubEnv('TANDEM_RANK_LIMIT_ADDRESS', '3/60');
    const { admitRank } = await import('./rank-limit');
    for (let i = 0; i < 3; i++) expect(await admitRank('2001:db8:0:1::1', 0)).toBe(0);
    expect(await admitRank('2001:db8:0:1::2', 0)).toBe(1);
    expect(await admitRank('192.0.2.1', 0)).toBe(0);
    expect(await admitRank('2001:db8:0:1::2', 1000)).toBe(0);
    vi.resetModules();
    vi.stubEnv('TANDEM_RANK_LIMIT_ADDRESS', 'off');
    const off = await import('./rank-limit');
    expect((await Promise.all(Array.from({ length: 2000 }, () => off.admitRank('192.0.2.1', 0)))).every((w) => w === 0)).toBe(true);
  });
});
