/** autocannon (the load generator of `npm run load` and `npm run bench:events`) through the narrow typed interface they use. */
// @ts-expect-error autocannon ships no types
import autocannonUntyped from 'autocannon';

export interface AcResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export interface AcRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** `context` belongs to one connection, which has one request in flight (no pipelining). */
  setupRequest?: (req: AcRequest, context: Record<string, unknown>) => AcRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export const autocannon = autocannonUntyped as (opts: Record<string, unknown>) => Promise<AcResult>;
