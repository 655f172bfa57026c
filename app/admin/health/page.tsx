import type { Metadata } from 'next';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { ShelfHealthView } from '@/components/health/ShelfHealthView';
import { HealthLogView } from '@/components/health/HealthLogView';
import { isAdmin } from '@/lib/admin/auth';
import { getConfig } from '@/lib/config';
import { healthReadout } from '@/lib/experiments/health-server';

export const metadata: Metadata = { title: 'Model health', robots: { index: false } };

export default async function HealthDashboard() {
  // proxy.ts already answers 401 without credentials; this check keeps the page safe on its own.
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) redirect('/admin/login');
  const { config } = await getConfig();
  const read = await healthReadout(config).catch((e: unknown) => {
    console.error('[tandem] model health: events store unreadable:', (e as Error).message);
    return { error: (e as Error).message };
  });
  return (
    <>
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-2xl font-bold">Model health</h1>
        <span className="flex gap-3 text-sm">
          <a className="underline" href="/admin/experiments">
            Experiments
          </a>
          <a className="underline" href="/admin/health/report.json">
            report.json
          </a>
        </span>
      </div>
      <p className="mt-2 text-sm text-slate-700">
        Every shelf a model ranks shows, to a standing share of visitors, its baseline instead (the best sellers of the last 30 days, under the shelf&apos;s own rules): the
        model is measured against it on live traffic, with the experiments&apos; always-valid 95% intervals, caps and sample-ratio check. A shelf whose model is confidently
        behind on click-through, after {config.holdback.minVisitors} visitors in each arm, serves its baseline to all but {Math.round(config.holdback.keepOnModel * 100)}% of
        visitors until the model catches up or a new version ships. How it works: docs/experiments.md.
      </p>
      {'error' in read ? (
        <p role="alert" data-testid="store-error" className="mt-6 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          The events store cannot be read right now ({read.error}), so no results are shown.
        </p>
      ) : (
        <>
          <p className="mt-2 text-sm text-slate-700" data-testid="holdback-share">
            Holdback share: <strong>{Math.round(read.share * 1000) / 10}%</strong>
            {process.env.TANDEM_HOLDBACK_SHARE ? ' (TANDEM_HOLDBACK_SHARE)' : ' (config)'}.
          </p>
          {read.shelves.map((h) => (
            <ShelfHealthView key={h.placement} health={h} />
          ))}
          <HealthLogView log={read.log} />
        </>
      )}
    </>
  );
}
