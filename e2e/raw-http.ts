/**
 * HTTP/1.1 over a plain socket, for what a browser or fetch() will not send: absolute-form request lines,
 * unknown methods, conflicting framing, bodies that never arrive, oversized headers. Returns what the
 * server answered (or that it closed without answering) and how long it took.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when the connection closed without a status line. */
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
  /** The client gave up (`timeoutMs`) before the server answered or closed. */
  timedOut: boolean;
}

export interface RawOptions {
  timeoutMs?: number;
  /** Stop after the first response instead of waiting for the server to close. */
  firstOnly?: boolean;
  host?: string;
}

export function parseAnswer(raw: string, ms: number, timedOut: boolean): RawAnswer {
  const head = raw.indexOf('\r\n\r\n');
  const lines = (head < 0 ? raw : raw.slice(0, head)).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers, body: head < 0 ? '' : raw.slice(head + 4), ms, timedOut };
}

/** Sends `parts` (a string or bytes each; `null` = keep the socket open without sending more) and reads the answer. */
export function raw(port: number, parts: (string | Buffer | null)[], opts: RawOptions = {}): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ port, host: opts.host ?? '127.0.0.1' });
    const done = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks).toString('latin1'), performance.now() - started, timedOut));
    };
    const timer = setTimeout(() => done(true), opts.timeoutMs ?? 15_000);
    socket.on('connect', () => {
      for (const p of parts) if (p !== null) socket.write(p);
    });
    socket.on('data', (b) => {
      chunks.push(b);
      if (!opts.firstOnly) return;
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return;
      const a = parseAnswer(text, 0, false);
      const length = Number(a.headers['content-length'] ?? NaN);
      if (Number.isFinite(length) ? Buffer.byteLength(a.body, 'latin1') >= length : a.headers['transfer-encoding'] !== 'chunked' || text.endsWith('0\r\n\r\n')) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** A request with CRLFs; `headers` in order, a Host header first unless given. */
export function request(method: string, target: string, headers: [string, string][] = [], body = ''): string {
  const all: [string, string][] = headers.some(([k]) => k.toLowerCase() === 'host') ? headers : [['Host', 'localhost'], ...headers];
  return `${method} ${target} HTTP/1.1\r\n${all.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}
