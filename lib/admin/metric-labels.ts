/** The metrics' names for the editor's "decide on" choice (the readout's own labels). */
import 'server-only';
import { METRIC_IDS, type MetricId } from '../config/schema';
import { METRICS } from '../experiments/report';

export const metricLabels = (): Record<MetricId, string> => Object.fromEntries(METRIC_IDS.map((m) => [m, METRICS[m].label])) as Record<MetricId, string>;
