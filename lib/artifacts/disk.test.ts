import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('server-only', () => ({}));
const { serverArtifacts } = await import('./disk');
const { coldStartData } = await import('../coldstart/data');

const VERSION = 'abcdefabcdef';

function folder() {
  const root = mkdtempSync(path.join(tmpdir(), 'tandem-disk-'));
  writeFileSync(path.join(root, 'current.json'), JSON.stringify({ version: VERSION, manifest: `/models/${VERSION}/manifest.json`, inputsHash: 'x' }));
  mkdirSync(path.join(root, VERSION));
  writeFileSync(path.join(root, VERSION, 'prior.f32.bin'), Buffer.from([1, 2, 3]));
  return root;
}

afterEach(() => vi.unstubAllGlobals());

describe('the server reads model files from its own disk', () => {
  it('reads the pointer and a version\'s files without a request to itself', async () => {
    const fetch = vi.fn(async () => new Response('no'));
    vi.stubGlobal('fetch', fetch);
    const source = serverArtifacts(folder());
    const pointer = await source.pointer();
    expect(pointer.version).toBe(VERSION);
    expect([...(await source.reader(pointer)('prior.f32.bin'))]).toEqual([1, 2, 3]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('falls back to HTTP for a file this deployment does not hold, and reads nothing outside the version folder', async () => {
    const fetch = vi.fn(async (url: URL) => new Response(new Uint8Array([9]), { headers: { 'x-url': String(url) } }));
    vi.stubGlobal('fetch', fetch);
    const source = serverArtifacts(folder());
    const read = source.reader(await source.pointer());
    expect([...(await read('signals.bin'))]).toEqual([9]);
    expect(String(fetch.mock.calls[0]![0])).toMatch(new RegExp(`/models/${VERSION}/signals\\.bin$`));
    await expect(read('..')).rejects.toThrow(/not a file name/);
    await expect(read('../current.json')).rejects.toThrow(/not a file name/);
  });

  it('loads the shipped model for the cold-start ranker from public/models with no HTTP at all', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('no network in this test');
    });
    vi.stubGlobal('fetch', fetch);
    const data = await coldStartData(null, serverArtifacts());
    expect(data.skus.length).toBeGreaterThan(1000);
    expect(data.meta.names).toHaveLength(data.skus.length);
    expect(data.meta.prices.every((p) => p > 0)).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});
