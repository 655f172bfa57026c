/**
 * The experiments API under the dashboard's editor (issue 36), for the editor and for scripts and CI:
 * `GET/POST /admin/api/experiments`, `GET/PATCH /admin/api/experiments/:id`. The body is the experiment as the
 * config holds it. 201/200 with the stored experiment; 400 with the schema's field errors; 404 for an unknown id;
 * 409 when the config changed since the revision the change was made from (`If-Match`, the `ETag` a GET
 * answered), or an id that exists; 401 without the admin token as Bearer or the dashboard's session; 403 for a
 * session's change posted from another site. Every change is written (lib/admin/config-store.ts), then logged with
 * its diff in the events database, then the store's readers see it (the local file at once, Edge Config within
 * seconds).
 */
import 'server-only';
import { builtModelVersions } from '../config';
import type { Experiment } from '../config/schema';
import { getEventStore } from '../events/server-store';
import type { ConfigChange } from '../events/store';
import { createExperiment, diff, updateExperiment, type FieldError } from '../experiments/edit';
import { sameSite } from '../http/origin';
import { bearerWait, isAdmin, unauthorisedJson } from './auth';
import { configStore, readExperiments } from './config-store';
import { throttled } from './throttle';

const NO_STORE = { 'Cache-Control': 'private, no-store' };
const json = (body: unknown, status: number, extra: Record<string, string> = {}) => Response.json(body, { status, headers: { ...NO_STORE, ...extra } });
const etag = (revision: string) => `"${revision}"`;

/** Who is asking, or the answer that refuses them: the token as Bearer ('api'), or a live session ('dashboard', same-site only for changes). */
export async function adminCaller(req: Request, changing: boolean, cookies: { get(name: string): { value: string } | undefined }): Promise<{ ok: true; actor: 'api' | 'dashboard' } | { ok: false; response: Response }> {
  const h = req.headers;
  const wait = await bearerWait(h);
  if (wait > 0) return { ok: false, response: throttled(wait) };
  if (!(await isAdmin({ headers: h, cookies }))) return { ok: false, response: unauthorisedJson() };
  const bearer = /^Bearer /.test(h.get('authorization') ?? '');
  // A session cookie rides along on any request to this site: a change must come from a page of this site.
  if (changing && !bearer && !sameSite(req.headers)) return { ok: false, response: json({ error: 'cross-site request refused' }, 403) };
  return { ok: true, actor: bearer ? 'api' : 'dashboard' };
}

function unwritable(): Response {
  return json({ error: 'this store reads Edge Config but cannot write it: set EDGE_CONFIG_ID (ecfg_…) and VERCEL_API_TOKEN (a token that may write it) to edit from the dashboard' }, 503);
}

/** Every experiment as the store holds it (the schema's defaults filled in), with the revision to send back as If-Match. */
export async function listExperiments(): Promise<Response> {
  const store = configStore();
  if (!store) return unwritable();
  const read = await readExperiments(store);
  const { revision } = read;
  if (!read.experiments) return json({ error: `the stored config does not validate: ${read.problem}`, revision }, 409, { ETag: etag(revision) });
  return json({ revision, where: store.where, experiments: read.experiments }, 200, { ETag: etag(revision) });
}

export async function getExperiment(id: string): Promise<Response> {
  const store = configStore();
  if (!store) return unwritable();
  const { revision, experiments } = await readExperiments(store);
  const experiment = experiments?.find((e) => e.id === id);
  if (!experiment) return json({ error: `no experiment "${id.slice(0, 40)}" in the config` }, 404);
  return json({ revision, experiment }, 200, { ETag: etag(revision) });
}

/** What a change did, in a word, for the log: a status move names itself, a wider ramp is a ramp. */
function actionOf(before: Experiment | null, after: Experiment): string {
  if (!before) return 'create';
  if (before.status !== after.status) return after.status === 'running' ? (before.status === 'paused' ? 'resume' : 'start') : after.status === 'paused' ? 'pause' : after.status === 'ended' ? 'stop' : 'update';
  if (before.traffic !== after.traffic) return 'ramp';
  return 'update';
}

/** Creates (id undefined) or changes an experiment. `ifMatch`: the revision the change was made from, if the caller says. */
export async function saveExperiment(id: string | undefined, body: unknown, ifMatch: string | null, actor: 'api' | 'dashboard'): Promise<Response> {
  const store = configStore();
  if (!store) return unwritable();
  const { raw, revision } = await store.read();
  const expected = ifMatch?.replace(/^W\//, '').replace(/^"|"$/g, '');
  const conflict = (why: string) => json({ error: `the config changed since you loaded it (${why}): reload, then make your change again`, revision }, 409, { ETag: etag(revision) });
  if (expected && expected !== revision) return conflict(`revision ${expected}, now ${revision}`);
  const today = new Date().toISOString().slice(0, 10);
  const result = id === undefined ? createExperiment(raw, body, today, builtModelVersions()) : updateExperiment(raw, id, body, builtModelVersions());
  if (!result.ok) return json({ error: result.error, fields: result.fields satisfies FieldError[] }, result.status);
  const written = await store.writeExperiments(result.experiments, revision);
  if (!written.ok) return conflict(written.conflict);
  const change: ConfigChange = { at: Date.now(), actor, experiment: result.experiment.id, action: actionOf(result.before, result.experiment), changes: diff(result.before ?? {}, result.experiment), where: store.where, revision: written.revision };
  try {
    await getEventStore().configLog.add(change);
  } catch (e) {
    // Written but not logged: said loudly, and the answer says so; the change itself stands.
    console.error('[tandem] experiment change not logged (events database unavailable):', (e as Error).message, JSON.stringify(change));
  }
  return json({ experiment: result.experiment, revision: written.revision, action: change.action }, id === undefined ? 201 : 200, { ETag: etag(written.revision) });
}

/** A JSON body, or the 400 that says why not. */
export async function bodyOf(req: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return { ok: false, response: json({ error: 'content-type must be application/json' }, 415) };
  try {
    return { ok: true, body: JSON.parse(await req.text()) as unknown };
  } catch {
    return { ok: false, response: json({ error: 'body is not JSON' }, 400) };
  }
}
