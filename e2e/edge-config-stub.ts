import { createServer } from 'node:http';

/**
 * A stand-in Edge Config the SDK reads through an external connection string (GET <base>/items): serves
 * whatever `value` holds at the time of each read, so a test can edit the config under a running store.
 */
export async function edgeConfigStub(initial: unknown): Promise<{ connection: string; set(value: unknown): void; close(): void }> {
  let value = initial;
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/ecfg_tandemstub/items')) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    connection: `http://127.0.0.1:${port}/ecfg_tandemstub?token=e2e-token`,
    set: (v) => void (value = v),
    close: () => void server.close(),
  };
}
