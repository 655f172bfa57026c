import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { edgeConfigApiStub } from '../../e2e/edge-config-api-stub';
import local from '../config/default.json' with { type: 'json' };
import { createConfigReader, localFile } from '../config';

vi.mock('server-only', () => ({}));
const { edgeConfigStore, localConfigStore } = await import('./config-store');

describe('where the editor writes (issue 36)', () => {
  it('the local file: created from the committed default, replaced atomically with the old value kept, a stale revision refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-config-'));
    const file = path.join(dir, 'config.json');
    const store = localConfigStore(file);
    const first = await store.read();
    expect(first.raw.experiments).toEqual(local.experiments);
    const w = await store.writeExperiments([], first.revision);
    expect(w.ok).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).experiments).toEqual([]);
    // Someone else's edit: the next write from the first revision is refused, not applied over it.
    writeFileSync(file, JSON.stringify({ ...local, experiments: [] , switches: { onDeviceRanking: false } }));
    expect(await store.writeExperiments(local.experiments, w.ok ? w.revision : '')).toMatchObject({ ok: false, conflict: expect.stringContaining('changed') });
    const now = await store.read();
    expect((await store.writeExperiments(local.experiments, now.revision)).ok).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.previous`, 'utf8')).switches).toEqual({ onDeviceRanking: false });
    // The store's reader sees the file as soon as it changes, and keeps its last good value through a bad edit.
    const logs: string[] = [];
    const read = createConfigReader({ remote: null, local, file: localFile(file), log: (m) => logs.push(m) });
    expect((await read()).source).toBe('local-file');
    expect((await read()).config.switches.onDeviceRanking).toBe(false);
    writeFileSync(file, '{"experiments": [{"id": "Bad Id"}]}');
    const after = await read();
    expect(after).toMatchObject({ source: 'last-good', config: { switches: { onDeviceRanking: false } } });
    expect(logs.join('\n')).toMatch(/config\.json is invalid/);
  });

  it('Edge Config through the REST API (a stand-in speaking it): read-modify-write that refuses a change it has not seen', async () => {
    const stub = await edgeConfigApiStub('ecfg_test', 'write-token', { experiments: [], switches: { eventCollection: true } });
    try {
      const store = edgeConfigStore({ id: 'ecfg_test', token: 'write-token', api: stub.api });
      const read = await store.read();
      expect(read.raw).toEqual({ experiments: [], switches: { eventCollection: true } });
      const w = await store.writeExperiments(local.experiments, read.revision);
      expect(w.ok).toBe(true);
      expect(stub.items().experiments).toEqual(local.experiments);
      expect(stub.items().switches).toEqual({ eventCollection: true });
      stub.set('experiments', []);
      expect(await store.writeExperiments(local.experiments, w.ok ? w.revision : '')).toMatchObject({ ok: false });
      expect(stub.items().experiments).toEqual([]);
      await expect(edgeConfigStore({ id: 'ecfg_test', token: 'wrong', api: stub.api }).read()).rejects.toThrow(/HTTP 403/);
    } finally {
      stub.close();
    }
  });
});
