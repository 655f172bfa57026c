import type { Metadata } from 'next';
import { cookies, headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { ChangeLog } from '@/components/experiments/ChangeLog';
import { ExperimentControls } from '@/components/experiments/ExperimentControls';
import { ExperimentEditor } from '@/components/experiments/ExperimentEditor';
import { PreviewLinks } from '@/components/experiments/PreviewLinks';
import { BackToExperiments } from '@/components/admin/BackToExperiments';
import { isAdmin } from '@/lib/admin/auth';
import { editorData } from '@/lib/admin/editor-data';
import { metricLabels } from '@/lib/admin/metric-labels';

export const metadata: Metadata = { title: 'Edit experiment', robots: { index: false } };

export default async function EditExperiment({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ saved?: string }> }) {
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) redirect('/admin/login');
  const { id } = await params;
  const data = await editorData();
  const experiment = data.experiments.find((e) => e.id === id);
  if (!experiment || !data.store) notFound();
  const saved = (await searchParams).saved === '1';
  return (
    <>
      <BackToExperiments />
      <div className="mt-2 flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-2xl font-bold">
          {experiment.id} <span className="ml-2 rounded-full bg-slate-100 px-2 py-0.5 align-middle text-xs font-medium uppercase" data-testid="experiment-status">{experiment.status}</span>
        </h1>
        <ExperimentControls experiment={experiment} revision={data.store.revision} />
      </div>
      {saved && (
        <p role="status" className="mt-3 rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">
          Saved as a draft in {data.store.where}.
        </p>
      )}
      <div className="mt-3">
        <PreviewLinks experiment={experiment} />
      </div>
      {experiment.kind === 'page-layout' ? (
        <ExperimentEditor experiment={experiment} revision={data.store.revision} traffic={data.traffic} metricLabels={metricLabels()} />
      ) : (
        <p className="mt-4 text-sm">A {experiment.kind} experiment is edited through the API (PATCH /admin/api/experiments/{experiment.id}); its status and ramp are above.</p>
      )}
      <ChangeLog log={data.log.filter((c) => c.experiment === experiment.id)} title="Changes to this experiment" />
    </>
  );
}
