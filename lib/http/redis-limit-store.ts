/**
 * The limits in Redis (TANDEM_REDIS_URL), so that every server instance spends from one budget: two `npm start`s
 * or a serverless deployment's many instances each granted the full burst while the buckets lived in memory.
 * One Lua script per charge checks and spends every bucket atomically, with the arithmetic of
 * lib/http/rate-limit.ts (bucketTokens, bucketWait); a bucket expires once it would be full again, so Redis
 * holds only the keys that are spending. Node only (a TCP client): lib/http/limit-store.ts imports it on demand.
 */
import { createClient } from '@redis/client';
import { createHash } from 'node:crypto';
import { admission, type LimitStore } from './rate-limit';

// KEYS: the buckets. ARGV: n, now (ms), mode, then burst and perMinute per key. Returns the wait in seconds
// (a string: Redis turns a Lua number into an integer), "inf" when it will never be granted.
const SCRIPT = `
local n = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local mode = ARGV[3]
local tokens = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[2 + 2 * i])
  local rate = tonumber(ARGV[3 + 2 * i])
  local b = redis.call('HMGET', key, 't', 'at')
  local t = burst
  if b[1] then
    local elapsed = math.max(0, now - tonumber(b[2]))
    t = math.min(burst, tonumber(b[1]) + elapsed / 60000 * rate)
  end
  tokens[i] = t
  if mode ~= 'force' and n - t > 0 then
    local w = math.huge
    if n <= burst and rate > 0 then w = (n - t) / rate * 60 end
    if w > wait then wait = w end
  end
end
if wait > 0 or mode == 'check' then
  if wait == math.huge then return 'inf' end
  return tostring(wait)
end
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[2 + 2 * i])
  local rate = tonumber(ARGV[3 + 2 * i])
  local left = tokens[i] - n
  redis.call('HSET', key, 't', tostring(left), 'at', tostring(now))
  local full = 86400000
  if rate > 0 then full = math.ceil((burst - left) / rate * 60000) + 1000 end
  redis.call('PEXPIRE', key, full)
end
return '0'
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

export async function redisLimitStore(url: string, prefix = 'tandem:limit:'): Promise<LimitStore> {
  // No offline queue and no endless reconnect wait: a Redis that is down must fail a charge at once, so the
  // caller falls back (limit-store.ts) instead of holding the request.
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(1000, 50 * 2 ** retries) } });
  client.on('error', () => {}); // each failed charge reports itself; the client's own event would crash the process
  await client.connect();
  return {
    kind: 'redis',
    async charge(charges, n, now, mode = 'spend') {
      if (charges.length === 0) return { ok: true };
      const opts = {
        keys: charges.map((c) => `${prefix}${c.bucket}:${c.key}`),
        arguments: [String(n), String(now), mode, ...charges.flatMap((c) => [String(c.limit.burst), String(c.limit.perMinute)])],
      };
      let reply: unknown;
      try {
        reply = await client.evalSha(SHA, opts);
      } catch (e) {
        if (!String((e as Error).message).includes('NOSCRIPT')) throw e;
        reply = await client.eval(SCRIPT, opts);
      }
      const wait = reply === 'inf' ? Infinity : Number(reply);
      if (Number.isNaN(wait)) throw new Error(`redis limit script answered ${String(reply)}`);
      return admission(wait);
    },
    async close() {
      await client.close();
    },
  };
}
