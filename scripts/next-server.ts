/**
 * A production server of the current build (`npm run build` first) on its own port, for the bench, the
 * load test and the e2e specs that need a second server with other settings (Edge Config down, a
 * read-only data folder, low rate limits). Started in its own process group, so stopping it stops
 * everything it started.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { signVisitor, VISITOR_COOKIE } from '../lib/experiments/visitor';

/** What `npm run serve` runs: the request gate and Node's limits in front of Next (server/index.ts, built by `npm run build`). */
export const SERVER_ENTRY = '.next/tandem-server.mjs';

/**
 * The visitor-signing secret of every server started here (and of the e2e suite's shared server): the tests, the
 * bench and the load script sign their visitors' cookies with it, as a page of the store would have set them.
 */
export const TEST_VISITOR_SECRET = 'tandem-test-visitor-secret-not-for-production';

/** The visitor cookie's value for an id, as these servers sign it (a fresh id unless one is given). */
export const signedVisitor = (id: string = randomUUID(), counted = true): Promise<string> => signVisitor({ id, counted }, TEST_VISITOR_SECRET);

/** A `Cookie` header for a visitor these servers signed. */
export async function visitorCookie(id?: string, counted = true): Promise<string> {
  return `${VISITOR_COOKIE}=${await signedVisitor(id, counted)}`;
}

export interface NextServer {
  base: string;
  /** Everything the server printed so far (stdout and stderr). */
  log(): string;
  stop(): void;
}

export interface NextServerOptions {
  port?: number;
  /** Bind to this host only (and talk to it there); otherwise every interface, reached as localhost. */
  host?: string;
  env?: Record<string, string>;
  /** A command the server runs under, e.g. setpriv to drop privileges. */
  wrap?: string[];
  /** Plain `next start` instead of the store's server: no gate or limits before Next (as on a platform that runs Next itself). */
  plainNext?: boolean;
  /** Another checkout's build (with plainNext: an older version, for a before/after in one run). */
  cwd?: string;
  /** Ready once this path answers 2xx. */
  readyPath?: string;
  timeoutMs?: number;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
  });

export async function startNextServer(opts: NextServerOptions = {}): Promise<NextServer> {
  const port = opts.port ?? (await freePort());
  const base = `http://${opts.host ?? 'localhost'}:${port}`;
  const entry = opts.plainNext ? ['node_modules/next/dist/bin/next', 'start'] : [SERVER_ENTRY];
  const [cmd, ...args] = [...(opts.wrap ?? []), process.execPath, ...entry, '-p', String(port), ...(opts.host ? ['-H', opts.host] : [])];
  const child = spawn(cmd!, args, { env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', VISITOR_SECRET: TEST_VISITOR_SECRET, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: opts.cwd });
  let out = '';
  const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-100_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);

  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`the server exited before answering:\n${out.slice(-2000)}`);
    const ok = await fetch(`${base}${opts.readyPath ?? '/api/rank?placement=home-for-you'}`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) {
      stop();
      throw new Error(`server on ${base} did not answer in ${(opts.timeoutMs ?? 60_000) / 1000} s (run \`npm run build\` first):\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, log: () => out, stop };
}
