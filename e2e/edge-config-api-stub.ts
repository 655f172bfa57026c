import { createServer } from 'node:http';

/**
 * A stand-in for Vercel's Edge Config REST API (https://vercel.com/docs/edge-config/vercel-api) and, on the same port,
 * the read endpoint the SDK uses: `GET /v1/edge-config/:id` (metadata with the digest), `GET /v1/edge-config/:id/items`,
 * `PATCH /v1/edge-config/:id/items` ({ items: [{ operation, key, value }] }, a Bearer token required), and the SDK's
 * `GET /:id/items`. The digest changes with every write, so a test can write under a reader's feet.
 */
export async function edgeConfigApiStub(id: string, token: string, initial: Record<string, unknown>) {
  let items = { ...initial };
  let version = 1;
  const digest = () => `digest-${version}`;
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname === `/${id}/items` && req.method === 'GET') return send(200, items);
    if (!url.pathname.startsWith(`/v1/edge-config/${id}`)) return send(404, { error: { code: 'not_found' } });
    if (req.headers.authorization !== `Bearer ${token}`) return send(403, { error: { code: 'forbidden' } });
    const rest = url.pathname.slice(`/v1/edge-config/${id}`.length);
    if (rest === '' && req.method === 'GET') return send(200, { id, digest: digest(), itemCount: Object.keys(items).length });
    if (rest === '/items' && req.method === 'GET') return send(200, Object.entries(items).map(([key, value]) => ({ key, value, edgeConfigId: id, createdAt: 0, updatedAt: 0 })));
    if (rest === '/items' && req.method === 'PATCH') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { items: ops } = JSON.parse(body) as { items: { operation: string; key: string; value?: unknown }[] };
        for (const op of ops) {
          if (op.operation === 'delete') delete items[op.key];
          else items = { ...items, [op.key]: op.value };
        }
        version++;
        send(200, { status: 'ok' });
      });
      return;
    }
    send(405, { error: { code: 'method_not_allowed' } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    api: base,
    /** The SDK's connection string for the same store (EDGE_CONFIG). */
    connection: `${base}/${id}?token=${token}`,
    items: () => items,
    /** Someone else's write (the digest moves). */
    set(key: string, value: unknown) {
      items = { ...items, [key]: value };
      version++;
    },
    close: () => void server.close(),
  };
}
