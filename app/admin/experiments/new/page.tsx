import type { Metadata } from 'next';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { ExperimentEditor } from '@/components/experiments/ExperimentEditor';
import { BackToExperiments } from '@/components/admin/BackToExperiments';
import { isAdmin } from '@/lib/admin/auth';
import { editorData } from '@/lib/admin/editor-data';
import { metricLabels } from '@/lib/admin/metric-labels';

export const metadata: Metadata = { title: 'New experiment', robots: { index: false } };

export default async function NewExperiment() {
  // proxy.ts already answers 401 without credentials; this check keeps the page safe on its own.
  if (!(await isAdmin({ headers: await headers(), cookies: await cookies() }))) redirect('/admin/login');
  const data = await editorData();
  return (
    <>
      <BackToExperiments />
      <h1 className="mt-2 text-2xl font-bold">New placement experiment</h1>
      <p className="mt-2 text-sm text-slate-700">
        Pick a page, lay out two to four arms from the shelves it can show, and save it as a draft. Nothing reaches shoppers until you start it; preview each arm first.
      </p>
      {data.store ? (
        <ExperimentEditor experiment={null} revision={data.store.revision} traffic={data.traffic} metricLabels={metricLabels()} />
      ) : (
        <p role="alert" className="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm">
          This store reads Edge Config but cannot write it: set EDGE_CONFIG_ID and VERCEL_API_TOKEN.
        </p>
      )}
    </>
  );
}
