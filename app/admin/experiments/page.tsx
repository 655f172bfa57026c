import type { Metadata } from 'next';
import { cookies, headers } from 'next/headers';
import { ExperimentReportView } from '@/components/experiments/ExperimentReportView';
import { isAdmin } from '@/lib/admin/auth';
import { getConfig } from '@/lib/config';
import { eventStoreKind } from '@/lib/events/server-store';
import { readout } from '@/lib/experiments/readout';
import { healthReadout } from '@/lib/experiments/health-server';
import { ChangeLog } from '@/components/experiments/ChangeLog';
import { ExperimentControls } from '@/components/experiments/ExperimentControls';
import { PreviewLinks } from '@/components/experiments/PreviewLinks';
import { editorData } from '@/lib/admin/editor-data';
import { redirect } from 'next/navigation';

export const metadata: Metadata = { title: 'Experiments', robots: { index: false } };

export default async function ExperimentsDashboard() {
  // proxy.ts already answers 401 without credentials; this check keeps the page safe on its own.
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) redirect('/admin/login');
  const { config, source, problem } = await getConfig();
  const experiments = config.experiments.filter((e) => e.status !== 'draft');
  // An events store that cannot be read is said on the page, not turned into a 500: the configuration
  // part still helps, and the marketer knows the numbers are missing rather than zero.
  const read = await (async () => {
    try {
      return { reports: await Promise.all(experiments.map(readout)) };
    } catch (e) {
      console.error('[tandem] dashboard: events store unreadable:', (e as Error).message);
      return { reports: [], error: (e as Error).message };
    }
  })();
  const { reports } = read;
  // The shelves' model health in one line: a fallen-back shelf is news a marketer reading a test should see here.
  const health = await healthReadout(config).catch(() => null);
  const editor = await editorData().catch(() => null);
  const drafts = config.experiments.filter((e) => e.status === 'draft');
  const fallen = health?.shelves.filter((h) => h.fallback) ?? [];
  return (
    <>
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-2xl font-bold">Placement experiments</h1>
        <a className="rounded-full bg-slate-900 px-4 py-1.5 text-sm font-semibold text-white hover:bg-slate-700" href="/admin/experiments/new">
          New experiment
        </a>
        <a className="text-sm underline" href="/admin/health">
          Model health
        </a>
        <form method="post" action="/admin/logout">
          <button className="rounded-full border border-slate-400 px-4 py-1.5 text-sm font-semibold hover:border-slate-700">Sign out</button>
        </form>
      </div>
      <p className="mt-2 text-sm text-slate-700">
        Config from <strong>{source === 'edge-config' ? 'Edge Config' : source === 'local-file' ? (editor?.store?.where ?? 'the local config file') : source === 'last-good' ? 'its last good value' : 'lib/config/default.json'}</strong>
        {problem ? ` (${problem})` : ''}; events in <strong>{eventStoreKind() === 'postgres' ? 'PostgreSQL' : 'SQLite'}</strong>. Every number is per exposed visitor (the unit
        that was randomised) with an always-valid 95% interval: it stays honest however often you look, so you may
        check daily and act on the decision shown. A lift is coloured only when its interval excludes zero. Outcomes
        count after a visitor&apos;s first exposure; revenue is priced by the server. The method and the decision rule: docs/experiments.md.
      </p>
      {health && (
        <p data-testid="health-summary" className={`mt-4 rounded-lg border p-3 text-sm ${fallen.length > 0 ? 'border-amber-300 bg-amber-50 text-amber-900' : 'border-slate-200 text-slate-700'}`}>
          <strong>Model health:</strong>{' '}
          {fallen.length > 0
            ? `${fallen.map((h) => h.title).join(', ')} ${fallen.length === 1 ? 'serves' : 'serve'} the best-seller baseline (the model fell behind it); `
            : `every model shelf serves its model (${health.shelves.filter((h) => h.verdict === 'model-ahead').length} confidently ahead of its baseline, ${health.shelves.filter((h) => h.verdict === 'model-behind').length} behind); `}
          <a className="underline" href="/admin/health">
            see each shelf against its baseline
          </a>
          .
        </p>
      )}
      {'error' in read ? (
        <p role="alert" data-testid="store-error" className="mt-6 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          The events store cannot be read right now ({read.error}), so no results are shown. Events sent meanwhile wait on shoppers&apos; devices.
        </p>
      ) : (
        reports.length === 0 && <p className="mt-6">No experiments are running or finished.</p>
      )}
      {drafts.length > 0 && (
        <section aria-labelledby="drafts" className="my-6">
          <h2 id="drafts" className="text-lg font-bold">
            Drafts
          </h2>
          <ul className="mt-2 flex flex-col gap-3">
            {drafts.map((e) => (
              <li key={e.id} className="rounded-xl border border-slate-200 p-3" data-testid="draft" data-experiment={e.id}>
                <p className="font-semibold">
                  {e.id} <span className="font-normal text-slate-700">· {e.page} page · {e.question}</span>
                </p>
                <div className="mt-2 flex flex-wrap items-center gap-3">
                  <a className="text-sm underline" href={`/admin/experiments/${e.id}/edit`}>
                    Edit
                  </a>
                  <PreviewLinks experiment={e} />
                  {editor?.store && <ExperimentControls experiment={e} revision={editor.store.revision} />}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {reports.map((r) => (
        <div key={r.experiment.id}>
          <div className="mt-8 flex flex-wrap items-center gap-3">
            <a className="text-sm underline" href={`/admin/experiments/${r.experiment.id}/edit`}>
              Edit {r.experiment.id}
            </a>
            {editor?.store && <ExperimentControls experiment={r.experiment} revision={editor.store.revision} />}
          </div>
          <ExperimentReportView report={r} />
        </div>
      ))}
      {editor && <ChangeLog log={editor.log} />}
    </>
  );
}
