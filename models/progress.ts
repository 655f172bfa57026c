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
  const started = new Map<string, number>();
  const quarter = new Map<string, number>();
  const line = (name: string, done: number, total: number, note: string) =>
    stream.write(`${name.padEnd(width)} ${Math.round((done / total) * 100)}% | ${unit}${done}/${total}${note ? ` | ${note}` : ''} | ${((performance.now() - started.get(name)!) / 1000).toFixed(0)}s\n`);
  const last = new Map<string, [number, number, string]>();
  return {
    tick(name, done, total, note = '') {
      const s = shown(done, total);
      if (!started.has(name)) started.set(name, performance.now());
      last.set(name, [s.done, s.total, note]);
      const q = Math.floor((s.done / s.total) * 4);
      if (q > (quarter.get(name) ?? 0) && q < 4) {
        quarter.set(name, q);
        line(name, s.done, s.total, note);
      }
    },
    stop() {
      for (const [name, [done, total, note]] of last) line(name, done, total, note);
    },
  };
}
