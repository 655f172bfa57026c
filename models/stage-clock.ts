/**
 * What each stage of `npm run models` costs: wall seconds and the process's peak resident memory when it
 * ended (worker threads included: they share the process). Printed as a table at the end of a run and written
 * to data/models/stages.json, so `npm run bench:train` can chart how each stage grows with the shop.
 */

export interface StageCost {
  stage: string;
  seconds: number;
  /** Peak resident set size of the process so far, in MiB (resourceUsage's maxRSS). */
  peakMiB: number;
}

const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export function stageClock(log: (line: string) => void = console.log) {
  const rows: StageCost[] = [];
  const started = performance.now();
  const record = (stage: string, from: number) => {
    const row = { stage, seconds: Math.round((performance.now() - from) / 100) / 10, peakMiB: peakMiB() };
    rows.push(row);
    log(`models: stage ${stage}: ${row.seconds.toFixed(1)} s, peak ${row.peakMiB.toLocaleString('en-GB')} MiB`);
  };
  return {
    /** Times a synchronous stage. */
    time<T>(stage: string, fn: () => T): T {
      const from = performance.now();
      const out = fn();
      record(stage, from);
      return out;
    },
    /** Times a stage that runs beside others (a worker's job), started now: from here to the promise's end. */
    async timeAsync<T>(stage: string, start: () => Promise<T>): Promise<T> {
      const from = performance.now();
      const out = await start();
      record(stage, from);
      return out;
    },
    rows: () => [...rows],
    total: (): StageCost => ({ stage: 'total', seconds: Math.round((performance.now() - started) / 100) / 10, peakMiB: peakMiB() }),
    table(): string {
      const all = [...rows, this.total()];
      return ['stage                 seconds   peak MiB', ...all.map((r) => `${r.stage.padEnd(20)} ${r.seconds.toFixed(1).padStart(8)} ${r.peakMiB.toLocaleString('en-GB').padStart(10)}`)].join('\n');
    },
  };
}

export type StageClock = ReturnType<typeof stageClock>;

/**
 * Seconds per kind of work across the stages (the heads are fitted in tune, the backtest and export; every stage
 * evaluates): how each part grows with the shop. Exclusive: work charged inside other work (the evaluations
 * that tune the baselines) counts once, to the innermost. Module-level, so the functions that do the work
 * charge it without a clock passed down to them; `npm run models` prints it.
 */
const ledger = new Map<string, { seconds: number; calls: number }>();
const open: { inner: number }[] = [];

export function charge<T>(activity: string, fn: () => T): T {
  const from = performance.now();
  const frame = { inner: 0 };
  open.push(frame);
  try {
    return fn();
  } finally {
    open.pop();
    const elapsed = performance.now() - from;
    if (open.length > 0) open.at(-1)!.inner += elapsed;
    const row = ledger.get(activity) ?? { seconds: 0, calls: 0 };
    row.seconds += (elapsed - frame.inner) / 1000;
    row.calls++;
    ledger.set(activity, row);
  }
}

/** The ledger so far, largest first; `reset` empties it. */
export function activities(reset = false): { activity: string; seconds: number; calls: number }[] {
  const rows = [...ledger.entries()].map(([activity, r]) => ({ activity, seconds: Math.round(r.seconds * 10) / 10, calls: r.calls })).sort((a, b) => b.seconds - a.seconds);
  if (reset) ledger.clear();
  return rows;
}
