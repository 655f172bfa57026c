/**
 * The admin sign-in throttle (issue 24: 7,549 wrong sign-ins in 20 s, 4,967 Bearer guesses in 5 s). Only
 * failures spend: per address (an IPv6 client's /64) 10 at once, then 5 a minute, and per IPv6 site (its /48)
 * three addresses' worth; while an address is out of attempts, a try is answered 429 with Retry-After before the
 * token is even compared. A real admin mistyping a few times never meets it. Counted in the limits store, like
 * the events limits: one budget per process for the form and Bearer alike, whether the proxy or a route
 * compared the token (issue 34), and a Bearer request while it is spent is answered 429 everywhere.
 *
 * Over all addresses (200, then 60 a minute) failures are counted but gate nobody: gating on that count let 210
 * wrong guesses from 210 addresses answer the *right* token 401 for 15 s (issue 34). Once it is spent the log
 * says so (a guesser spread over many addresses, once a minute at most), and what bounds that guesser is each
 * address's and site's own budget and the token itself: 16 characters at least, and `npm start` writes 43
 * random ones (256 bits), which no rate a bucket allows could guess.
 * `TANDEM_SIGNIN_LIMIT_ADDRESS` / `TANDEM_SIGNIN_LIMIT_OVERALL` = "burst/perMinute" or "off" (the e2e suite's
 * shared server: its bad-input test sends fifty wrong sign-ins from one address; a throttle test starts its own).
 */
import { charge } from '../http/limit-store';
import { addressCharges, parseLimit, tooManyRequests, type Charge, type Limit, type LimitStore } from '../http/rate-limit';

export const SIGN_IN_PER_ADDRESS: Limit = { burst: 10, perMinute: 5 };
export const SIGN_IN_OVERALL: Limit = { burst: 200, perMinute: 60 };

/** `null` limits: no throttle of that kind. `store`: where the attempts are counted (the server's limits store by default). */
export function createSignInThrottle(perAddress: Limit | null = SIGN_IN_PER_ADDRESS, overall: Limit | null = SIGN_IN_OVERALL, store?: LimitStore, warn: (message: string) => void = console.warn) {
  const spend = store ? store.charge.bind(store) : charge;
  const gates = (address: string): Charge[] => (perAddress ? addressCharges('signin', address, perAddress) : []);
  const everyone: Charge[] = overall ? [{ bucket: 'signin-overall', key: '*', limit: overall }] : [];
  let warnedAt = -Infinity;
  return {
    /** Whole seconds to wait before this address may try again (0: it may now). Other addresses' failures never count here. */
    async wait(address: string, now = Date.now()): Promise<number> {
      const a = await spend(gates(address), 1, now, 'check');
      return a.ok ? 0 : a.retryAfterS;
    },
    async failed(address: string, now = Date.now()): Promise<void> {
      await spend(gates(address), 1, now, 'force');
      if (everyone.length === 0) return;
      await spend(everyone, 1, now, 'force');
      if (now - warnedAt >= 60_000 && !(await spend(everyone, 1, now, 'check')).ok) {
        warnedAt = now;
        warn(`[tandem] failed admin sign-ins from many addresses: more than ${overall!.burst} at once, or ${overall!.perMinute} a minute (each address is still limited on its own; the right token still signs in)`);
      }
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
