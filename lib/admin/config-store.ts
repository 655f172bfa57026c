/**
 * Where the dashboard's editor writes the store's config (issue 36): the local config file (atomically, the value
 * it replaces kept beside it), or Edge Config through Vercel's REST API. Both are read-modify-write against a
 * revision: a write names the revision it was made from, and one made from a revision the store has moved past
 * is refused (a conflict), never applied over a change its author has not seen.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import localJson from '../config/default.json' with { type: 'json' };
import { localConfigPath } from '../config';
import { StoreConfigSchema, type Experiment } from '../config/schema';

export type WriteResult = { ok: true; revision: string } | { ok: false; conflict: string };

export interface ConfigStore {
  kind: 'local-file' | 'edge-config';
  /** Where it writes, for the dashboard ("data/config.json", "Edge Config ecfg_…"). */
  where: string;
  /** The config as stored (before the schema's defaults), and its revision. */
  read(): Promise<{ raw: Record<string, unknown>; revision: string }>;
  /** Writes `experiments` if the store is still at `revision`. */
  writeExperiments(experiments: unknown[], revision: string): Promise<WriteResult>;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The local file (TANDEM_CONFIG_FILE or data/config.json): while it does not exist, the committed default is the
 * config, and the first write creates the file from it. Writes go to a temporary file renamed over the old one (a
 * reader sees the old file or the new, never half of one); the value replaced is kept as `<file>.previous`. One
 * writer at a time in this process; the revision (a hash of the file's text) catches any other.
 */
export function localConfigStore(file = localConfigPath()): ConfigStore {
  let queue: Promise<unknown> = Promise.resolve();
  const readNow = () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : `${JSON.stringify(localJson, null, 2)}\n`;
    return { raw: JSON.parse(text) as Record<string, unknown>, text, revision: sha(text) };
  };
  return {
    kind: 'local-file',
    where: file,
    async read() {
      const { raw, revision } = readNow();
      return { raw, revision };
    },
    writeExperiments(experiments, revision) {
      const run = queue.then((): WriteResult => {
        const now = readNow();
        if (now.revision !== revision) return { ok: false, conflict: `${file} changed since revision ${revision} (now ${now.revision})` };
        const text = `${JSON.stringify({ ...now.raw, experiments }, null, 2)}\n`;
        mkdirSync(path.dirname(file), { recursive: true });
        if (existsSync(file)) writeFileSync(`${file}.previous`, now.text);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, text);
        renameSync(tmp, file);
        return { ok: true, revision: sha(text) };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * Edge Config through Vercel's REST API (https://vercel.com/docs/edge-config/vercel-api): the items from
 * `GET /v1/edge-config/{id}/items`, the revision its `digest` (`GET /v1/edge-config/{id}`), a write one
 * `PATCH /v1/edge-config/{id}/items` upserting the `experiments` item after checking the digest again. The API has
 * no conditional write, so two writers within that check's round trip can still cross: the window is one request
 * long, where a write made from a page left open for an hour was a silent overwrite before.
 * `EDGE_CONFIG_ID` (ecfg_…), `VERCEL_API_TOKEN` (a token that may write it), optionally `VERCEL_TEAM_ID`;
 * `VERCEL_API_URL` points it at a stand-in (the tests').
 */
export function edgeConfigStore(opts: { id: string; token: string; teamId?: string; api?: string; fetch?: typeof fetch }): ConfigStore {
  const api = (opts.api ?? 'https://api.vercel.com').replace(/\/$/, '');
  const f = opts.fetch ?? fetch;
  const url = (p: string) => `${api}/v1/edge-config/${encodeURIComponent(opts.id)}${p}${opts.teamId ? `?teamId=${encodeURIComponent(opts.teamId)}` : ''}`;
  const call = async <T,>(p: string, init: RequestInit = {}): Promise<T> => {
    const res = await f(url(p), { ...init, headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string>) } });
    if (!res.ok) throw new Error(`Edge Config API ${init.method ?? 'GET'} ${p || '/'}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  };
  const digest = async () => (await call<{ digest: string }>('')).digest;
  return {
    kind: 'edge-config',
    where: `Edge Config ${opts.id}`,
    async read() {
      const [revision, items] = await Promise.all([digest(), call<{ key: string; value: unknown }[]>('/items')]);
      return { raw: Object.fromEntries(items.map((i) => [i.key, i.value])), revision };
    },
    async writeExperiments(experiments, revision) {
      const now = await digest();
      if (now !== revision) return { ok: false, conflict: `Edge Config changed since revision ${revision} (now ${now})` };
      await call('/items', { method: 'PATCH', body: JSON.stringify({ items: [{ operation: 'upsert', key: 'experiments', value: experiments }] }) });
      return { ok: true, revision: await digest() };
    },
  };
}

/** The store's experiments with the schema's defaults filled in, and its revision; `problem` instead when it does not validate. */
export async function readExperiments(store: ConfigStore): Promise<{ revision: string } & ({ experiments: Experiment[] } | { experiments: null; problem: string })> {
  const { raw, revision } = await store.read();
  const parsed = StoreConfigSchema.safeParse(raw);
  return parsed.success ? { revision, experiments: parsed.data.experiments } : { revision, experiments: null, problem: parsed.error.issues[0]?.message ?? 'invalid' };
}

let store: ConfigStore | undefined;

/**
 * The store the editor writes: Edge Config when the store reads it (EDGE_CONFIG) and may write it (EDGE_CONFIG_ID
 * and VERCEL_API_TOKEN), the local file when it reads no Edge Config, null when it reads Edge Config but may not
 * write it (the editor then says what to set).
 */
export function configStore(env: Record<string, string | undefined> = process.env): ConfigStore | null {
  if (!env.EDGE_CONFIG) return (store ??= localConfigStore());
  if (!env.EDGE_CONFIG_ID || !env.VERCEL_API_TOKEN) return null;
  return (store ??= edgeConfigStore({ id: env.EDGE_CONFIG_ID, token: env.VERCEL_API_TOKEN, ...(env.VERCEL_TEAM_ID ? { teamId: env.VERCEL_TEAM_ID } : {}), ...(env.VERCEL_API_URL ? { api: env.VERCEL_API_URL } : {}) }));
}
