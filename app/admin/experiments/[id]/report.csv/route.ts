import { cookies, headers } from 'next/headers';
import { isAdmin } from '@/lib/admin/auth';
import { reportCsv } from '@/lib/experiments/export';
import { readoutOf } from '@/lib/experiments/readout';

/** One experiment's readout as CSV (the numbers of report.json, one row per variant and metric). */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const noStore = { 'Cache-Control': 'private, no-store' };
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) return Response.json({ error: 'sign in first, or send Authorization: Bearer <ADMIN_TOKEN>' }, { status: 401, headers: noStore });
  const { id } = await ctx.params;
  try {
    const report = await readoutOf(id);
    if (!report) return Response.json({ error: `no experiment "${id.slice(0, 40)}" in the config` }, { status: 404, headers: noStore });
    return new Response(reportCsv(report), {
      headers: { ...noStore, 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${report.experiment.id}-report.csv"` },
    });
  } catch (e) {
    console.error('[tandem] report.csv: events store unreadable:', (e as Error).message);
    return Response.json({ error: 'events store temporarily unavailable' }, { status: 503, headers: { ...noStore, 'Retry-After': '5' } });
  }
}
