import { cookies, headers } from 'next/headers';
import { bearerWait, isAdmin, unauthorisedJson } from '@/lib/admin/auth';
import { throttled } from '@/lib/admin/throttle';
import { getConfig } from '@/lib/config';
import { healthJson } from '@/lib/experiments/health';
import { healthReadout } from '@/lib/experiments/health-server';

const NO_STORE = { 'Cache-Control': 'private, no-store' };

/** Every model shelf against its baseline, for tools: the dashboard's numbers (docs/experiments.md). Same credentials as the page. */
export async function GET() {
  // proxy.ts already answers 401 without credentials; this check keeps the route safe on its own.
  const wait = await bearerWait(await headers());
  if (wait > 0) return throttled(wait);
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) return unauthorisedJson();
  try {
    const { config } = await getConfig();
    const r = await healthReadout(config);
    return Response.json(healthJson(r.shelves, r.log, r.share, r.now), { headers: NO_STORE });
  } catch (e) {
    console.error('[tandem] model health: events store unreadable:', (e as Error).message);
    return Response.json({ error: 'events store temporarily unavailable' }, { status: 503, headers: { ...NO_STORE, 'Retry-After': '5' } });
  }
}
