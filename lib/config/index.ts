/**
 * The one way to read the store's configuration. With EDGE_CONFIG set, it reads Edge Config through
 * @vercel/edge-config; without it, the local config file the dashboard's editor writes (`localConfigPath()`:
 * TANDEM_CONFIG_FILE, else data/config.json), and the committed lib/config/default.json while there is none. All
 * are validated by the same schema. A read that fails or does not validate falls back to the last good value of
 * that source, then to the committed file, and says so in the logs (once per distinct problem, not once per
 * request). Web APIs only, but for the local file, read through `process.getBuiltinModule` where the runtime is
 * Node (an edge runtime has no files: it runs on Edge Config or the committed default).
 */
import { createClient } from '@vercel/edge-config';
import localJson from './default.json' with { type: 'json' };
import { describeConfigError, StoreConfigSchema, unknownModelVersion, type StoreConfig } from './schema';

export type ConfigSource = 'edge-config' | 'local-file' | 'last-good' | 'local';
export interface LoadedConfig {
  config: StoreConfig;
  source: ConfigSource;
  /** Why the remote value was not used, when it was not. */
  problem?: string;
}

/** What the reader needs of an Edge Config client; tests pass a fake. */
export interface RemoteConfig {
  getAll(): Promise<unknown>;
}

/** The local config file as the reader sees it: its text and when it last changed, or null when there is none. */
export interface LocalFile {
  path: string;
  read(): { text: string; changed: string } | null;
}

/** Where the local store's config lives: TANDEM_CONFIG_FILE, else data/config.json under TANDEM_DATA_DIR (default ./data). */
export function localConfigPath(env: Record<string, string | undefined> = process.env): string {
  return env.TANDEM_CONFIG_FILE || `${(env.TANDEM_DATA_DIR || 'data').replace(/\/$/, '')}/config.json`;
}

type FsLike = { statSync(p: string, o: { throwIfNoEntry: false }): { mtimeMs: number; size: number } | undefined; readFileSync(p: string, e: 'utf8'): string };

/** The file through Node's fs where there is one (process.getBuiltinModule: no import, so the edge bundle stays free of it); null elsewhere. */
export function localFile(path = localConfigPath()): LocalFile | null {
  const get = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule;
  const fs = typeof get === 'function' ? (get('node:fs') as FsLike) : undefined;
  if (!fs) return null;
  return {
    path,
    read() {
      const st = fs.statSync(path, { throwIfNoEntry: false });
      return st ? { text: fs.readFileSync(path, 'utf8'), changed: `${st.mtimeMs}:${st.size}` } : null;
    },
  };
}

export interface ConfigReaderOptions {
  remote: RemoteConfig | null;
  local: unknown;
  /** How long one answer is reused: Edge Config reads are cheap, but not free when it is unreachable. */
  ttlMs?: number;
  log?: (message: string) => void;
  now?: () => number;
  /** The model versions the store has; a config naming another is refused. Null: not checked (no list known). */
  knownVersions?: ReadonlySet<string> | null;
  /** Without a remote: the local config file, re-read whenever it changes (the editor writes it). */
  file?: LocalFile | null;
}

/** The schema, then the versions: the one check every config source passes. */
function checkConfig(raw: unknown, known: ReadonlySet<string> | null): { ok: true; config: StoreConfig } | { ok: false; problem: string } {
  const parsed = StoreConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: describeConfigError(parsed.error) };
  const unknown = known ? unknownModelVersion(parsed.data, known) : null;
  return unknown ? { ok: false, problem: unknown } : { ok: true, config: parsed.data };
}

/** The local file must always validate: a broken default is a bug, caught by the tests and at start. */
export function parseLocal(local: unknown, known: ReadonlySet<string> | null = null): StoreConfig {
  const checked = checkConfig(local, known);
  if (!checked.ok) throw new Error(`lib/config/default.json is invalid: ${checked.problem}`);
  return checked.config;
}

/**
 * The versions this deployment serves: the folders under public/models/ when it was built (next.config.ts lists
 * them into TANDEM_MODEL_VERSIONS), or null where nothing listed them (unit tests).
 */
export function builtModelVersions(list = process.env.TANDEM_MODEL_VERSIONS): ReadonlySet<string> | null {
  return list ? new Set(list.split(',').filter(Boolean)) : null;
}

export function createConfigReader(opts: ConfigReaderOptions): () => Promise<LoadedConfig> {
  const known = opts.knownVersions ?? null;
  const local = parseLocal(opts.local, known);
  const ttl = opts.ttlMs ?? 5_000;
  const log = opts.log ?? ((m: string) => console.warn(m));
  const now = opts.now ?? Date.now;
  let lastGood: StoreConfig | undefined;
  let lastProblem: string | undefined;
  let memo: { at: number; value: Promise<LoadedConfig> } | undefined;

  const readRemote = async (remote: RemoteConfig): Promise<LoadedConfig> => {
    let problem: string;
    try {
      const checked = checkConfig(await remote.getAll(), known);
      if (checked.ok) {
        if (lastProblem) log('[tandem] Edge Config is readable and valid again');
        lastProblem = undefined;
        lastGood = checked.config;
        return { config: checked.config, source: 'edge-config' };
      }
      problem = `Edge Config is invalid (${checked.problem})`;
    } catch (e) {
      problem = `Edge Config is unreachable (${e instanceof Error ? e.message : String(e)})`;
    }
    const source: ConfigSource = lastGood ? 'last-good' : 'local';
    if (problem !== lastProblem) log(`[tandem] ${problem}; using the ${source === 'last-good' ? 'last good Edge Config value' : 'local lib/config/default.json'}`);
    lastProblem = problem;
    return { config: lastGood ?? local, source, problem };
  };

  // The local file: read again only when its modification time or size changed, checked on every call (a stat).
  let seen: { changed: string; loaded: LoadedConfig } | undefined;
  let lastGoodFile: StoreConfig | undefined;
  const readFile = (file: LocalFile): LoadedConfig => {
    let current: ReturnType<LocalFile['read']>;
    try {
      current = file.read();
    } catch (e) {
      current = { text: '', changed: `unreadable:${(e as Error).message}` };
    }
    if (!current) return { config: local, source: 'local' };
    if (seen?.changed === current.changed) return seen.loaded;
    let raw: unknown;
    let problem: string | undefined;
    try {
      raw = JSON.parse(current.text);
    } catch (e) {
      problem = `${file.path} is not JSON (${(e as Error).message})`;
    }
    const checked = problem === undefined ? checkConfig(raw, known) : undefined;
    let loaded: LoadedConfig;
    if (checked?.ok) {
      lastGoodFile = checked.config;
      loaded = { config: checked.config, source: 'local-file' };
    } else {
      problem ??= `${file.path} is invalid (${checked && !checked.ok ? checked.problem : 'unreadable'})`;
      log(`[tandem] ${problem}; using the ${lastGoodFile ? 'last good value of that file' : 'committed lib/config/default.json'}`);
      loaded = { config: lastGoodFile ?? local, source: lastGoodFile ? 'last-good' : 'local', problem };
    }
    seen = { changed: current.changed, loaded };
    return loaded;
  };

  return () => {
    if (!opts.remote) return Promise.resolve(opts.file ? readFile(opts.file) : { config: local, source: 'local' });
    const t = now();
    if (memo && t - memo.at < ttl) return memo.value;
    const value = readRemote(opts.remote);
    memo = { at: t, value };
    return value;
  };
}

/** Edge Config's client when EDGE_CONFIG is set (and usable), else null: the store's, and the tools' (npm run prune). */
export function remoteFromEnv(): RemoteConfig | null {
  const connection = process.env.EDGE_CONFIG;
  if (!connection) return null; // the bare SDK would throw "No connection string provided"
  try {
    return createClient(connection);
  } catch (e) {
    // A malformed connection string: say so once, and run on the local file rather than not at all.
    console.warn(`[tandem] EDGE_CONFIG is set but unusable (${(e as Error).message}); using lib/config/default.json`);
    return null;
  }
}

let reader: (() => Promise<LoadedConfig>) | undefined;

/** The store's configuration for this request. */
export function getConfig(): Promise<LoadedConfig> {
  const remote = remoteFromEnv();
  reader ??= createConfigReader({ remote, local: localJson, knownVersions: builtModelVersions(), file: remote ? null : localFile() });
  return reader();
}
