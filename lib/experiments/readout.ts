/** The server's readout of one experiment: the config's definition, the store's sums, the report. */
import 'server-only';
import { unauthorisedJson } from '../admin/auth';
import { getConfig } from '../config';
import type { Experiment } from '../config/schema';
import { getEventStore } from '../events/server-store';
import { buildReport, type ExperimentReport } from './report';

const NO_STORE = { 'Cache-Control': 'private, no-store' };

/**
 * A readout download's answer: 401 without the admin's credentials (checked by the caller, which holds the
 * request), 404 for an experiment not in the config, 503 while the events store cannot be read, else `render`.
 */
export async function readoutDownload(id: string, authorised: boolean, render: (report: ExperimentReport) => Response): Promise<Response> {
  if (!authorised) return unauthorisedJson();
  try {
    const report = await readoutOf(id);
    if (!report) return Response.json({ error: `no experiment "${id.slice(0, 40)}" in the config` }, { status: 404, headers: NO_STORE });
    const res = render(report);
    for (const [k, v] of Object.entries(NO_STORE)) res.headers.set(k, v);
    return res;
  } catch (e) {
    console.error('[tandem] readout download: events store unreadable:', (e as Error).message);
    return Response.json({ error: 'events store temporarily unavailable' }, { status: 503, headers: { ...NO_STORE, 'Retry-After': '5' } });
  }
}

/** One experiment's report from the store's sums. Throws when the events store cannot be read. */
export async function readout(experiment: Experiment): Promise<ExperimentReport> {
  return buildReport(experiment, await getEventStore().experimentCounts(experiment.id));
}

/** Null when no experiment of that id is in the config. Throws when the events store cannot be read. */
export async function readoutOf(id: string): Promise<ExperimentReport | null> {
  const { config } = await getConfig();
  const experiment = config.experiments.find((e) => e.id === id);
  return experiment ? readout(experiment) : null;
}
