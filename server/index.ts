/**
 * The store's HTTP server when self-hosted (`npm start`): Node's server with explicit limits, the request
 * gate (`lib/http/gate.ts`) before Next sees anything, then Next's own request handler (the same one
 * `next start` uses). Why not plain `next start`: it cannot set Node's request timeout (a body that
 * never arrives was held 300 s), cannot answer a malformed or oversized request with anything but a bare
 * status line, and hands every request to Next, which buffers bodies and copies cookies before any of
 * our code can refuse them. On Vercel the platform is this layer and `proxy.ts` applies the same gate.
 *
 * It also answers the versioned runtime and model files and Next's hashed scripts itself, from memory: from
 * their brotli copies (scripts/precompress.mjs) when the browser accepts brotli (Next would send the 14 MB
 * runtime gzipped, 3.6 MB, and the model's binary files not compressed at all), otherwise as they are. No
 * ranges or ETags for them: their names change whenever their bytes do.
 *
 * Usage: `node .next/tandem-server.mjs [-p PORT] [-H HOST]` (built by `npm run build`; PORT and HOST
 * from the environment too).
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import next from 'next';
import { answer, gate, LIMITS } from '../lib/http/gate';
import { clientAddress, FORWARDED_HEADERS, limitKey, trustedProxyHops } from '../lib/http/client-address';
import { IMMUTABLE, securityHeaders, versionedFile } from '../lib/http/static-files';
import { pageCacheControl } from '../lib/http/page-cache';

function arg(flags: string[], env: string | undefined): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => flags.includes(a));
  return i >= 0 ? argv[i + 1] : env;
}

const port = Number(arg(['-p', '--port'], process.env.PORT) ?? 3000);
const host = arg(['-H', '--hostname'], process.env.HOST);
const hops = trustedProxyHops(process.env.TANDEM_TRUSTED_PROXIES);
// As `next start` does: the server's own artifact fetches (lib/recs/artifacts.ts) find it by PORT.
process.env.PORT = String(port);

/** An HTTP/1.1 answer as bytes, for when Node's response object cannot be used (parse errors, lingering close). */
function rawAnswer(status: number, headers: Record<string, string>, body: string): string {
  const lines = Object.entries({ ...headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`;
}

/** The longest a closing connection keeps reading what the client still sends (RFC 9112, 9.6: lingering close). */
const LINGER_MS = 2_000;
/** The client is taken to have stopped sending when nothing arrived for this long. */
const QUIET_MS = 150;
const answered = new WeakSet<Socket>();
/** The response most recently started on each connection. */
const inFlight = new WeakMap<Socket, ServerResponse>();

/**
 * Answers and closes without a reset. A client still sending (a body we refused, the rest of an oversized
 * header) would get a reset, not the answer, if we closed at once: so the answer goes out first, and our
 * side closes once the client has gone quiet (or after LINGER_MS). What arrives meanwhile is dropped.
 */
function lingeringClose(socket: Socket, answer: string): void {
  answered.add(socket);
  socket.write(answer);
  const started = Date.now();
  let seen = socket.bytesRead;
  let quietSince = started;
  const timer = setInterval(() => {
    const now = Date.now();
    if (socket.bytesRead !== seen) [seen, quietSince] = [socket.bytesRead, now];
    if (now - quietSince < QUIET_MS && now - started < LINGER_MS && !socket.destroyed) return;
    clearInterval(timer);
    socket.end();
    setTimeout(() => socket.destroy(), QUIET_MS).unref();
  }, 50);
  timer.unref();
}

/**
 * Writes the gate's refusal: an ordinary answer on a kept-alive connection, or, when the request has a
 * body (which is never read into memory), the answer at once and a lingering close while the body is
 * discarded. A client that never stops sending is cut off by the linger or the request timeout.
 */
async function refuse(req: IncomingMessage, res: ServerResponse, r: Response): Promise<void> {
  const withBody = !!req.headers['transfer-encoding'] || (req.headers['content-length'] ?? '0') !== '0';
  // Claimed before the first await: a broken body arriving meanwhile (a bad chunk) makes the parser report
  // an error, and that must not answer the same request a second time (it did: 400, then 411 or 413).
  if (withBody) answered.add(req.socket);
  const body = Buffer.from(await r.arrayBuffer());
  const headers = Object.fromEntries(r.headers);
  if (!withBody) {
    res.statusCode = r.status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(body);
    return;
  }
  req.resume();
  lingeringClose(req.socket, rawAnswer(r.status, headers, body.toString()));
}

/**
 * Closes a response the client has read nothing of for LIMITS.stalledMs: bytes wait to be sent and none has
 * left for that long. Reading the request is bounded by requestTimeout and an idle keep-alive by
 * keepAliveTimeout; this bounds the rest (20 clients that asked for the 14 MB ORT wasm and stopped reading were
 * still connected after 170 s). Not Node's socket timeout: set on the server, it did not cut such a client off
 * here (the response's writes kept it alive or Next reset it; measured: the whole 27 MB file after 46 s).
 */
function closeWhenStalled(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  let sent = -1;
  let since = Date.now();
  const timer = setInterval(() => {
    const out = socket.bytesWritten - socket.writableLength;
    if (out !== sent || socket.writableLength === 0) {
      sent = out;
      since = Date.now();
    } else if (Date.now() - since >= LIMITS.stalledMs) {
      clearInterval(timer);
      socket.destroy(); // a response from memory lets go of nothing but its socket; one Next streams closes its file with it
    }
  }, 2_000);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

/**
 * At most `TANDEM_MAX_CONNECTIONS_PER_ADDRESS` (default 128) open connections per client address (an IPv6
 * client's /64); one more is answered 503 with Retry-After and closed. Only without trusted proxies: behind
 * one, every connection comes from the proxy. Ten shoppers behind one office address open about 60.
 */
function limitConnections(server: ReturnType<typeof createServer>, hops: number): void {
  const setting = process.env.TANDEM_MAX_CONNECTIONS_PER_ADDRESS;
  if (hops > 0 || setting === 'off') return;
  const cap = setting ? Number(setting) : 128;
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`TANDEM_MAX_CONNECTIONS_PER_ADDRESS must be a whole number or "off", not "${setting}"`);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = limitKey(socket.remoteAddress ?? '');
    const n = open.get(key) ?? 0;
    if (n >= cap) {
      lingeringClose(socket, rawAnswer(503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': '5' }, JSON.stringify({ error: `more than ${cap} connections from one address` })));
      return;
    }
    open.set(key, n + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

/** Errors Node's parser raises before there is a request object: answered as JSON too, then closed. */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // Already answered: the parser reports each further chunk of a broken request again; the linger ends it.
  if (answered.has(socket)) return;
  // Halfway through writing a response, anything more would corrupt it (an earlier, finished response on a kept-alive connection is fine).
  const res = inFlight.get(socket);
  if (err.code === 'ECONNRESET' || !socket.writable || (res && res.headersSent && !res.writableFinished)) {
    socket.destroy();
    return;
  }
  const [status, error] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `request line and headers over ${LIMITS.headerBytes} bytes`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, `the request did not arrive in time (${LIMITS.requestMs / 1000} s)`]
        : [400, `malformed HTTP request (${err.code ?? 'parse error'})`];
  lingeringClose(socket, rawAnswer(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }, JSON.stringify({ error })));
}

const ROOT = process.cwd();
const VERSIONED_ROOTS = [path.join(ROOT, 'public'), path.join(ROOT, '.next', 'static')];
/** Versioned files held in memory, in all: the runtime and one model version are about 50 MB with their brotli copies. */
const MAX_CACHED_BYTES = 256 * 1024 * 1024;
const cache = new Map<string, Promise<Buffer | null>>();
let cachedBytes = 0;

/**
 * A versioned file's bytes, read once: the names are versions or content hashes, so they never change. Served from
 * memory because a client that never reads costs only the kernel's socket buffers then (about 4 MB); streamed from
 * disk, 500 of them made the server read and copy 2 GB through the thread pool that also serves pages, and a
 * shopper's home page took seconds (npm run load, slow readers). Null when there is no such file.
 */
function cachedFile(file: string): Promise<Buffer | null> {
  let body = cache.get(file);
  if (!body) {
    body = stat(file)
      .then((st) => (st.isFile() ? (cachedBytes + st.size <= MAX_CACHED_BYTES ? readFile(file) : null) : null))
      .then((b) => {
        if (b) cachedBytes += b.length;
        else cache.delete(file); // a file too large for what is left, or absent: not remembered
        return b;
      })
      .catch(() => (cache.delete(file), null));
    cache.set(file, body);
  }
  return body;
}

/** Larger bodies than this take one of their address's few slots (the ORT runtime; no model file is this big). */
const LARGE_BYTES = 1024 * 1024;
const LARGE_PER_ADDRESS = 4;
/** How long a large body waits for its address's slot before the answer is 503 with Retry-After. */
const LARGE_WAIT_MS = 15_000;
const largeSlots = new Map<string, { active: number; waiting: (() => void)[] }>();

/**
 * Waits for one of the address's LARGE_PER_ADDRESS slots for a large body, and frees it when the response closes.
 * Each large response a client does not read still holds about 4 MB of kernel buffers and the copying to fill
 * them; 500 such clients on ten addresses took a shopper's home page p95 from 41 ms to 764 ms (npm run load,
 * slow readers) even from memory. A browser fetches the runtime once per visit (then caches it for a year), so a
 * household or an office rarely waits; a client that opens fifty only waits for its own, which the stalled-response
 * watchdog closes after 30 s. One that waits LARGE_WAIT_MS is answered 503 with Retry-After (the worker then
 * ranks at the edge, and tries the runtime again on a later page).
 */
function largeSlot(key: string, res: ServerResponse): Promise<'go' | 'gone' | 'busy'> {
  const entry = largeSlots.get(key) ?? { active: 0, waiting: [] };
  largeSlots.set(key, entry);
  const take = () => {
    entry.active++;
    res.once('close', () => {
      entry.active--;
      const next = entry.waiting.shift();
      if (next) next();
      else if (entry.active === 0) largeSlots.delete(key);
    });
  };
  if (entry.active < LARGE_PER_ADDRESS) {
    take();
    return Promise.resolve('go');
  }
  return new Promise((resolve) => {
    const done = (outcome: 'go' | 'gone' | 'busy') => {
      clearTimeout(timer);
      res.off('close', gone);
      entry.waiting = entry.waiting.filter((w) => w !== go);
      resolve(outcome);
    };
    const go = () => {
      if (res.destroyed) return done('gone');
      take();
      done('go');
    };
    // A client that leaves while waiting gives its place up; one that waits too long is told to come back.
    const gone = () => done('gone');
    const timer = setTimeout(() => done('busy'), LARGE_WAIT_MS);
    res.once('close', gone);
    entry.waiting.push(go);
  });
}

/** Sends a versioned file (its brotli copy when the client takes brotli and there is one); false leaves the request to Next. */
async function sendVersioned(req: IncomingMessage, res: ServerResponse, address: string): Promise<boolean> {
  const pathname = (req.url ?? '').split('?')[0]!;
  const candidate = versionedFile(req.method ?? '', pathname, [req.headers['accept-encoding']].flat()[0]);
  if (!candidate) return false;
  for (const [rel, brotli] of [
    [candidate.brPath, true],
    [candidate.path, false],
  ] as const) {
    if (!rel) continue;
    const file = path.join(ROOT, rel);
    if (!VERSIONED_ROOTS.some((dir) => file.startsWith(dir + path.sep))) return false;
    const body = await cachedFile(file);
    if (!body) continue;
    if (body.length > LARGE_BYTES && req.method !== 'HEAD') {
      const slot = await largeSlot(limitKey(address), res);
      // Gone while waiting: nothing to send, and nothing for Next to do either.
      if (slot === 'gone') return true;
      if (slot === 'busy') {
        const error = JSON.stringify({ error: 'this address is already downloading large files: try again shortly' });
        res.writeHead(503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': '30', Connection: 'close', 'Content-Length': Buffer.byteLength(error) });
        res.end(error);
        return true;
      }
    }
    for (const { key, value } of [...securityHeaders(true), ...IMMUTABLE]) res.setHeader(key, value);
    res.setHeader('Content-Type', candidate.contentType);
    if (brotli) res.setHeader('Content-Encoding', 'br');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Length', body.length);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
  return false;
}

async function main(): Promise<void> {
  const app = next({ dev: false, dir: process.cwd(), port, hostname: host ?? 'localhost' });
  await app.prepare();
  const handle = app.getRequestHandler();

  // Node keeps the first of duplicate Host headers and drops the rest: the raw list tells.
  const countRaw = (raw: string[], name: string) => raw.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length;
  const server = createServer(
    {
      maxHeaderSize: LIMITS.headerBytes,
      requestTimeout: LIMITS.requestMs,
      headersTimeout: LIMITS.requestMs,
      // How often Node checks those two timeouts (default 30 s, which would hold a request up to 39 s).
      connectionsCheckingInterval: 250,
    },
    (req, res) => {
      inFlight.set(req.socket, res);
      closeWhenStalled(res);
      const refusal = gate({ method: req.method ?? '', target: req.url ?? '', header: (name) => [req.headers[name]].flat()[0], headerCount: (name) => countRaw(req.rawHeaders, name) });
      if (refusal) return void refuse(req, res, answer(refusal, req.method ?? ''));
      // Who sent it, decided here from the socket (and only as many forwarded hops as are configured as
      // trusted), so nothing downstream reads an address or host name a client made up.
      const address = clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], hops);
      if (hops === 0) for (const h of FORWARDED_HEADERS) delete req.headers[h];
      req.headers['x-real-ip'] = address;
      void sendVersioned(req, res, address).then((sent) => {
        if (sent) return;
        // Next sets a dynamic page's Cache-Control itself: shop pages say what they mean (lib/http/page-cache.ts).
        const pathname = (req.url ?? '/').split('?')[0] ?? '/';
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name: string, value: number | string | readonly string[]) => setHeader(name, name.toLowerCase() === 'cache-control' && typeof value === 'string' ? pageCacheControl(pathname, value) : value);
        void handle(req, res);
      });
    },
  );
  server.keepAliveTimeout = 5_000;
  limitConnections(server, hops);
  server.on('clientError', onClientError);
  // The store has no WebSockets and is no proxy: CONNECT and Upgrade get a defined answer, not a silent close
  // (Node closes CONNECT without a listener; Next closes upgrades it has no route for).
  const noTunnel = (error: string) => (req: IncomingMessage, socket: Socket) =>
    lingeringClose(socket, rawAnswer(req.method === 'CONNECT' ? 405 : 400, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...(req.method === 'CONNECT' ? { Allow: 'GET, HEAD, OPTIONS, POST' } : {}) }, JSON.stringify({ error })));
  server.on('connect', noTunnel('CONNECT not allowed: this is a shop, not a proxy'));
  server.on('upgrade', noTunnel('no protocol upgrades here (WebSocket, h2c): use plain HTTP/1.1'));
  server.listen(port, host, () => {
    const shown = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    console.log(`▲ Tandem on http://${shown}:${port} (at most ${LIMITS.cookies} cookies, ${LIMITS.headerBytes / 1024} KB of headers, ${LIMITS.requestMs / 1000} s per request; trusted proxies: ${hops})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
