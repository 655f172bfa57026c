import { cookies, headers } from 'next/headers';
import { isAdmin } from '@/lib/admin/auth';
import { reportJson } from '@/lib/experiments/export';
import { readoutOf } from '@/lib/experiments/readout';

/** One experiment's readout as JSON: the dashboard's numbers, for scripts. Same credentials as the page. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const noStore = { 'Cache-Control': 'private, no-store' };
  // proxy.ts already answers 401 without credentials; this check keeps the route safe on its own.
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) return Response.json({ error: 'sign in first, or send Authorization: Bearer <ADMIN_TOKEN>' }, { status: 401, headers: noStore });
  const { id } = await ctx.params;
  try {
    const report = await readoutOf(id);
    if (!report) return Response.json({ error: `no experiment "${id.slice(0, 40)}" in the config` }, { status: 404, headers: noStore });
    return Response.json(reportJson(report), { headers: noStore });
  } catch (e) {
    console.error('[tandem] report.json: events store unreadable:', (e as Error).message);
    return Response.json({ error: 'events store temporarily unavailable' }, { status: 503, headers: { ...noStore, 'Retry-After': '5' } });
  }
}
