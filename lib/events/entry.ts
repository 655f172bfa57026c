/**
 * Entering an experiment (issue 34: counted ids were banked for days, then spent at once). A counted visitor's
 * first exposure in an experiment decides, once, whether that readout counts them: a fresh id always (its minting
 * was charged), an older one only while its address's allowance lasts (lib/experiments/visitor.ts,
 * `countsAsEntry`). Past it, the visitor's events in that experiment are stored and left out ('entry-limit'),
 * now and later, as the store remembers.
 */
import { countsAsEntry, type Visitor } from '../experiments/visitor';
import type { LeftOutReason, StoredEvent } from './schema';

export async function labelEntries(
  events: StoredEvent[],
  visitor: Visitor,
  address: string,
  entered: () => Promise<Map<string, LeftOutReason | null>>,
  counts: (visitor: Visitor, address: string) => Promise<boolean> = countsAsEntry,
): Promise<StoredEvent[]> {
  // A shelf's holdback readout is entered like any experiment's: its first exposure there spends the same allowance.
  const entries = events.filter((e) => !e.leftOut).flatMap((e) => [...(e.experiment ? [{ id: e.experiment, e }] : []), ...(e.holdback ? [{ id: e.holdback.experiment, e }] : [])]);
  const experiments = new Set(entries.map((x) => x.id));
  if (experiments.size === 0) return events;
  const known = await entered();
  const reason = new Map<string, LeftOutReason | null>();
  // An entry is an exposure (a click alone makes no row in the readout). The readouts one request enters share one
  // charge: a page view enters its layout test and its shelves' holdbacks at once, and an honest returning shopper
  // must not spend a page's worth of allowance per view. A readout entered in a later request is charged again, so an
  // id banked by entering one readout early still pays to enter the next (issue 34's stockpile).
  const fresh = [...experiments].filter((x) => !known.has(x) && entries.some((y) => y.id === x && y.e.type === 'exposure'));
  const charged = fresh.length > 0 ? ((await counts(visitor, address)) ? null : 'entry-limit') : null;
  for (const experiment of experiments) {
    if (known.has(experiment)) reason.set(experiment, known.get(experiment)!);
    else if (fresh.includes(experiment)) reason.set(experiment, charged);
  }
  return events.map((e) => {
    if (e.leftOut) return e;
    const why = e.experiment ? reason.get(e.experiment) : null;
    const hbWhy = e.holdback ? reason.get(e.holdback.experiment) : null;
    return why || hbWhy ? { ...e, ...(why ? { leftOut: why } : {}), ...(e.holdback && hbWhy ? { holdback: { ...e.holdback, leftOut: hbWhy } } : {}) } : e;
  });
}
