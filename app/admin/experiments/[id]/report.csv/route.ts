import { cookies, headers } from 'next/headers';
import { bearerWait, isAdmin } from '@/lib/admin/auth';
import { throttled } from '@/lib/admin/throttle';
import { reportCsv } from '@/lib/experiments/export';
import { readoutDownload } from '@/lib/experiments/readout';

/** One experiment's readout as CSV (the numbers of report.json, one row per variant and metric). */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const wait = await bearerWait(await headers());
  if (wait > 0) return throttled(wait);
  const authorised = await isAdmin({ headers: await headers(), cookies: await cookies() });
  return readoutDownload((await ctx.params).id, authorised, (report) =>
    new Response(reportCsv(report), { headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${report.experiment.id}-report.csv"` } }),
  );
}
