import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run audit` against a stand-in registry that answers npm's bulk advisory endpoint, so the gate is
// seen to fail on a high finding and pass on none (this machine's real registry has no audit API).
const zodVersion = (JSON.parse(readFileSync('node_modules/zod/package.json', 'utf8')) as { version: string }).version;
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const asked: string[] = [];
let server: Server;
let registry = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(`${req.method} ${url.pathname}`);
    req.resume();
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname.endsWith('/-/npm/v1/security/advisories/bulk')) return send(answer.status, answer.body);
    // npm reads the packument of a package with an advisory to work out which versions it covers.
    if (url.pathname === '/zod') return send(200, { name: 'zod', 'dist-tags': { latest: zodVersion }, versions: { [zodVersion]: { name: 'zod', version: zodVersion } } });
    send(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  registry = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function audit(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['scripts/audit.mjs'], { env: { ...process.env, npm_config_registry: registry } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run audit', { timeout: 60_000 }, () => {
  it('fails on a high advisory in a production dependency, naming it', async () => {
    answer = { status: 200, body: { zod: [{ id: 1, url: 'https://example.invalid/GHSA-test', title: 'test advisory', severity: 'high', vulnerable_versions: '<=99.0.0', cwe: [], cvss: { score: 7.5 } }] } };
    const r = await audit();
    expect(asked).toContain('POST /-/npm/v1/security/advisories/bulk');
    expect(r.out).toMatch(/high 1/);
    expect(r.out).toMatch(/high: zod/);
    expect(r.code).toBe(1);
  });

  it('passes with no advisories', async () => {
    answer = { status: 200, body: {} };
    const r = await audit();
    expect(r.out).toMatch(/critical 0, high 0/);
    expect(r.code).toBe(0);
  });

  it('says it skipped, and why, when the registry has no audit API', async () => {
    answer = { status: 405, body: { error: 'Method Not Allowed' } };
    const r = await audit();
    expect(r.out).toMatch(/audit: SKIPPED/);
    expect(r.code).toBe(0);
  });
});
