/**
 * What each path takes: methods and the largest request body. The one table the request gate reads;
 * `lib/http/http.test.ts` holds it to the route handlers in `app/` (their exported methods), so a new
 * route cannot be added without saying what it accepts.
 */
import { MAX_BODY_BYTES } from '../events/schema';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH';

export interface RouteRule {
  methods: readonly Method[];
  /** Largest request body in bytes; 0 = the route takes none. */
  maxBody: number;
}

const READ: RouteRule = { methods: ['GET', 'HEAD'], maxBody: 0 };

/** Route handlers (app/**\/route.ts), by exact path or by prefix ending in '/'. */
export const ROUTE_HANDLERS: Record<string, RouteRule> = {
  '/api/events': { methods: ['POST'], maxBody: MAX_BODY_BYTES },
  '/api/rank': READ,
  '/api/catalog': READ,
  '/api/shelves': READ,
  // A form with the token and where to go next: a few hundred bytes.
  '/admin/login': { methods: ['GET', 'HEAD', 'POST'], maxBody: 4096 },
  '/admin/logout': { methods: ['POST'], maxBody: 1024 },
  // /admin/experiments/<id>/report.json and report.csv (the page itself is /admin/experiments).
  '/admin/experiments/': READ,
  '/admin/health/report.json': READ,
  // The experiments API: an experiment is a few kilobytes; the events body limit is plenty.
  '/admin/api/experiments': { methods: ['GET', 'HEAD', 'POST'], maxBody: MAX_BODY_BYTES },
  '/admin/api/experiments/': { methods: ['GET', 'HEAD', 'PATCH'], maxBody: MAX_BODY_BYTES },
  '/.well-known/apple-app-site-association': READ,
  '/images/products/': READ,
};

/** Under these prefixes every path is a route handler or a file; anything else there is a JSON 404. */
export const API_PREFIX = '/api/';

/** Pages, static files and everything Next serves itself: read only (the store has no server actions). */
export const DEFAULT_RULE = READ;

export function ruleFor(pathname: string): { rule: RouteRule; known: boolean } {
  const exact = ROUTE_HANDLERS[pathname];
  if (exact) return { rule: exact, known: true };
  for (const [path, rule] of Object.entries(ROUTE_HANDLERS)) if (path.endsWith('/') && pathname.startsWith(path) && pathname.length > path.length) return { rule, known: true };
  return { rule: DEFAULT_RULE, known: !pathname.startsWith(API_PREFIX) };
}

/** The `Allow` header: the methods, OPTIONS (which the gate answers for every path), sorted. */
export function allowHeader(rule: RouteRule): string {
  return [...rule.methods, 'OPTIONS'].sort().join(', ');
}
