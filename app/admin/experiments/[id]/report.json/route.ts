import { cookies, headers } from 'next/headers';
import { bearerWait, isAdmin } from '@/lib/admin/auth';
import { throttled } from '@/lib/admin/throttle';
import { reportJson } from '@/lib/experiments/export';
import { readoutDownload } from '@/lib/experiments/readout';

/** One experiment's readout as JSON: the dashboard's numbers, for scripts. Same credentials as the page. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  // proxy.ts already answers 401 without credentials; this check keeps the route safe on its own.
  const wait = await bearerWait(await headers());
  if (wait > 0) return throttled(wait);
  const authorised = await isAdmin({ headers: await headers(), cookies: await cookies() });
  return readoutDownload((await ctx.params).id, authorised, (report) => Response.json(reportJson(report)));
}
