/**
 * Progress for the long commands (`npm run models`): live bars on a terminal; in a log (CI, `> file`, a bench's
 * scratch run) a plain line per bar at each quarter and at the end. cli-progress wrote its terminal frames into
 * such logs as `{label}`, `step 1072/100` and `1796583817s` (issue 34): a bar it never drew there, stopped.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** `name`'s bar at `done` of `total` (created on its first tick); `note` shows after the count (a loss). */
  tick(name: string, done: number, total: number, note?: string): void;
  stop(): void;
}

export function progress(format: { width?: number; unit?: string } = {}, stream: NodeJS.WriteStream = process.stderr): Progress {
  const width = format.width ?? 17;
  const unit = format.unit ? `${format.unit} ` : '';
  // A total can be an estimate the count overtakes (the towers sample examples by weight): never shown past it.
  const shown = (done: number, total: number) => ({ done, total: Math.max(total, done) });
  if (stream.isTTY) {
    const multi = new cliProgress.MultiBar({ format: `{name} {bar} {percentage}% | ${unit}{value}/{total} | {note} | {duration}s`, hideCursor: true, stream }, cliProgress.Presets.shades_classic);
    const bars = new Map<string, cliProgress.SingleBar>();
    return {
      tick(name, done, total, note = '') {
        const s = shown(done, total);
        let bar = bars.get(name);
        if (!bar) bars.set(name, (bar = multi.create(s.total, 0, { name: name.padEnd(width), note })));
        bar.setTotal(s.total);
        bar.update(s.done, { note });
      },
      stop: () => multi.stop(),
    };
  }
  // One line per bar at each quarter and at the end: where it is, and the seconds since its first tick.
  interface Bar { started: number; quarter: number; done: number; total: number; note: string }
  const bars = new Map<string, Bar>();
  const line = (name: string, b: Bar) =>
    stream.write(`${name.padEnd(width)} ${Math.round((b.done / b.total) * 100)}% | ${unit}${b.done}/${b.total}${b.note ? ` | ${b.note}` : ''} | ${((performance.now() - b.started) / 1000).toFixed(0)}s\n`);
  return {
    tick(name, done, total, note = '') {
      const was = bars.get(name);
      const bar: Bar = { started: was?.started ?? performance.now(), quarter: was?.quarter ?? 0, ...shown(done, total), note };
      const q = Math.floor((bar.done / bar.total) * 4);
      if (q > bar.quarter && q < 4) {
        bar.quarter = q;
        line(name, bar);
      }
      bars.set(name, bar);
    },
    stop() {
      for (const [name, bar] of bars) line(name, bar);
    },
  };
}
