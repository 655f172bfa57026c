/**
 * The admin sign-in throttle (issue 24: 7,549 wrong sign-ins in 20 s, 4,967 Bearer guesses in 5 s). Only
 * failures spend: per address (an IPv6 client's /64) 10 at once, then 5 a minute; over all addresses 200, then
 * 60 a minute, so a guesser spread over many addresses is slowed too. A real admin mistyping a few times never
 * meets it; while an address (or everyone) is out of attempts, a try is answered 429 with Retry-After before
 * the token is even compared. Counted in the limits store, like the events limits: one budget per process for
 * the form and Bearer alike, whether the proxy or a route compared the token (issue 34), and a Bearer request
 * while it is spent is answered 429 everywhere, the proxy's pages included.
 * `TANDEM_SIGNIN_LIMIT_ADDRESS` / `TANDEM_SIGNIN_LIMIT_OVERALL` = "burst/perMinute" or "off" (the e2e suite's
 * shared server: its bad-input test sends fifty wrong sign-ins from one address; a throttle test starts its own).
 */
import { limitKey } from '../http/client-address';
import { charge } from '../http/limit-store';
import { parseLimit, tooManyRequests, type Charge, type Limit, type LimitStore } from '../http/rate-limit';

export const SIGN_IN_PER_ADDRESS: Limit = { burst: 10, perMinute: 5 };
export const SIGN_IN_OVERALL: Limit = { burst: 200, perMinute: 60 };

/** `null` limits: no throttle of that kind. `store`: where the attempts are counted (the server's limits store by default). */
export function createSignInThrottle(perAddress: Limit | null = SIGN_IN_PER_ADDRESS, overall: Limit | null = SIGN_IN_OVERALL, store?: LimitStore) {
  const spend = store ? store.charge.bind(store) : charge;
  const charges = (address: string): Charge[] => [
    ...(perAddress ? [{ bucket: 'signin-address', key: limitKey(address), limit: perAddress }] : []),
    ...(overall ? [{ bucket: 'signin-overall', key: '*', limit: overall }] : []),
  ];
  return {
    /** Whole seconds to wait before this address may try again (0: it may now). */
    async wait(address: string, now = Date.now()): Promise<number> {
      const a = await spend(charges(address), 1, now, 'check');
      return a.ok ? 0 : a.retryAfterS;
    },
    async failed(address: string, now = Date.now()): Promise<void> {
      await spend(charges(address), 1, now, 'force');
    },
  };
}

let shared: ReturnType<typeof createSignInThrottle> | undefined;

/** The server's throttle, from the environment on first use; counted in the limits store (memory, or Redis). */
export const signInThrottle = {
  wait: (address: string, now?: number) => (shared ??= fromEnv()).wait(address, now),
  failed: (address: string, now?: number) => (shared ??= fromEnv()).failed(address, now),
};

function fromEnv() {
  return createSignInThrottle(parseLimit(process.env.TANDEM_SIGNIN_LIMIT_ADDRESS, SIGN_IN_PER_ADDRESS, 'TANDEM_SIGNIN_LIMIT_ADDRESS'), parseLimit(process.env.TANDEM_SIGNIN_LIMIT_OVERALL, SIGN_IN_OVERALL, 'TANDEM_SIGNIN_LIMIT_OVERALL'));
}

export function throttled(retryAfterS: number): Response {
  return tooManyRequests(`too many failed sign-ins: try again in ${retryAfterS} s`, retryAfterS);
}
