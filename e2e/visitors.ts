import type { Experiment } from '../lib/config/schema';
import { assignVariant } from '../lib/experiments/assign';

/** A fresh visitor id that `experiment` puts in `variant` (assignment is a deterministic hash of the id). */
export function visitorIn(experiment: Pick<Experiment, 'salt' | 'variants'>, variant: string): string {
  for (;;) {
    const id = crypto.randomUUID();
    if (assignVariant(experiment, id) === variant) return id;
  }
}
