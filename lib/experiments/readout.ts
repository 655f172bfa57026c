/** The server's readout of one experiment: the config's definition, the store's sums, the report. */
import 'server-only';
import { getConfig } from '../config';
import { getEventStore } from '../events/server-store';
import { buildReport, type ExperimentReport } from './report';

/** Null when no experiment of that id is in the config. Throws when the events store cannot be read. */
export async function readoutOf(id: string): Promise<ExperimentReport | null> {
  const { config } = await getConfig();
  const experiment = config.experiments.find((e) => e.id === id);
  if (!experiment) return null;
  return buildReport(experiment, await getEventStore().experimentCounts(experiment.id));
}
