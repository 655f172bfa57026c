/** A request body as text, refusing more than `limit` bytes without reading them all (no Content-Length needed). */
export async function readLimited(req: Request, limit: number): Promise<{ ok: true; text: string } | { ok: false; status: 400 | 413; error: string }> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit) return { ok: false, status: 413, error: `body over ${limit} bytes` };
  if (!req.body) return { ok: false, status: 400, error: 'empty body' };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let part: ReadableStreamReadResult<Uint8Array>;
    try {
      part = await reader.read();
    } catch (e) {
      // The client stopped sending (the server's request timeout, a reset): one line, not a stack per request,
      // and an answer nobody may read but every caller can handle.
      console.warn(`[tandem] request body aborted after ${size} bytes: ${(e as Error).message}`);
      return { ok: false, status: 400, error: 'request body aborted' };
    }
    const { done, value } = part;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { ok: false, status: 413, error: `body over ${limit} bytes` };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, status: 400, error: 'body is not valid UTF-8' };
  }
}
