/**
 * The experiment editor's rules (issue 36), pure: what a new experiment or a change must satisfy before anything is
 * written, with every refusal named by the field it is about. The schema is the config's own (the store validates
 * exactly this on every read); on top of it, what a started test may no longer change:
 * - a new experiment starts as a draft unless it says otherwise, with a salt made from its id and the day;
 * - once started, its arms are fixed (ids, weights, layouts, models), and so are its kind, page, salt and control:
 *   changing one would move visitors between arms or change what an arm is, mid-test (stop it and start a new one);
 * - the traffic ramp only widens (raising it lets visitors in and keeps everyone's arm; narrowing would drop
 *   visitors out of their arm);
 * - status moves draft → running ⇄ paused → ended; an ended test stays ended, and its readout stays readable.
 * Issues the schema raises at the config's level are said on the experiment as a whole ('').
 */
import { StoreConfigSchema, unknownModelVersion, type Experiment } from '../config/schema';

export interface FieldError {
  /** The field, as a path inside the experiment ('variants.0.layout.1.size'), or '' for the experiment as a whole. */
  path: string;
  message: string;
}

export type EditResult = { ok: true; experiments: unknown[]; experiment: Experiment; before: Experiment | null } | { ok: false; status: 400 | 404 | 409; error: string; fields: FieldError[] };

const STATUS_MOVES: Record<Experiment['status'], Experiment['status'][]> = {
  draft: ['draft', 'running', 'ended'],
  running: ['running', 'paused', 'ended'],
  paused: ['paused', 'running', 'ended'],
  ended: ['ended'],
};

/** Fixed once a test has started: changing them would move visitors between arms, or change what an arm is. */
const FIXED_AFTER_START = ['kind', 'page', 'salt', 'control', 'variants'] as const;

const refuse = (status: 400 | 404 | 409, error: string, fields: FieldError[] = []): EditResult => ({ ok: false, status, error, fields });

/**
 * The whole config with `experiments` in place, checked by the store's own schema (and the versions it has): the
 * experiment's errors by field (the schema says a clash of running tests at the status of each, naming the other).
 */
function check(raw: Record<string, unknown>, experiments: unknown[], index: number, known: ReadonlySet<string> | null): { ok: true; experiment: Experiment } | { ok: false; fields: FieldError[] } {
  const parsed = StoreConfigSchema.safeParse({ ...raw, experiments });
  if (!parsed.success) {
    const fields = parsed.error.issues
      .filter((i) => i.path[0] !== 'experiments' || i.path.length === 1 || i.path[1] === index)
      .map((i) => ({ path: i.path[0] === 'experiments' && i.path.length > 2 ? i.path.slice(2).join('.') : '', message: i.message }));
    return { ok: false, fields: fields.length > 0 ? fields : [{ path: '', message: 'another experiment in the config is invalid' }] };
  }
  const versions = known ? unknownModelVersion(parsed.data, known) : null;
  if (versions) return { ok: false, fields: [{ path: 'variants', message: versions }] };
  return { ok: true, experiment: parsed.data.experiments[index]! };
}

const asObject = (input: unknown) => (input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : null);

/** A new experiment added to the config's experiments (as stored), or the refusal. `today`: YYYY-MM-DD, for the salt. */
export function createExperiment(raw: Record<string, unknown>, input: unknown, today: string, known: ReadonlySet<string> | null = null): EditResult {
  const body = asObject(input);
  if (!body) return refuse(400, 'the body is an experiment: a JSON object', [{ path: '', message: 'expected an object' }]);
  const current = Array.isArray(raw.experiments) ? (raw.experiments as unknown[]) : [];
  if (typeof body.id === 'string' && current.some((e) => asObject(e)?.id === body.id)) return refuse(409, `an experiment "${body.id}" exists already: edit it (PATCH) or choose another id`, [{ path: 'id', message: 'already taken' }]);
  const fresh = { status: 'draft', ...(typeof body.id === 'string' ? { salt: `${body.id}:${today}` } : {}), ...body };
  const experiments = [...current, fresh];
  const checked = check(raw, experiments, experiments.length - 1, known);
  if (!checked.ok) return refuse(400, describe(checked.fields), checked.fields);
  return { ok: true, experiments, experiment: checked.experiment, before: null };
}

/** An experiment changed in place (the body is the whole experiment, as the config holds it), or the refusal. */
export function updateExperiment(raw: Record<string, unknown>, id: string, input: unknown, known: ReadonlySet<string> | null = null): EditResult {
  const body = asObject(input);
  if (!body) return refuse(400, 'the body is an experiment: a JSON object', [{ path: '', message: 'expected an object' }]);
  const current = Array.isArray(raw.experiments) ? (raw.experiments as unknown[]) : [];
  const index = current.findIndex((e) => asObject(e)?.id === id);
  if (index < 0) return refuse(404, `no experiment "${id.slice(0, 40)}" in the config`);
  const stored = check(raw, current, index, known);
  if (!stored.ok) return refuse(409, 'the stored config does not validate: fix it before editing', stored.fields);
  const before = stored.experiment;
  if (body.id !== undefined && body.id !== id) return refuse(400, 'an experiment keeps its id', [{ path: 'id', message: `is "${id}": an experiment keeps its id (create a new one instead)` }]);
  const merged = { ...(current[index] as Record<string, unknown>), ...body, id };
  const experiments = current.map((e, i) => (i === index ? merged : e));
  const checked = check(raw, experiments, index, known);
  if (!checked.ok) return refuse(400, describe(checked.fields), checked.fields);
  const after = checked.experiment;
  const fields: FieldError[] = [];
  if (!STATUS_MOVES[before.status].includes(after.status)) fields.push({ path: 'status', message: `a ${before.status} test cannot become ${after.status} (${before.status === 'ended' ? 'a stopped test stays stopped: start a new one' : `it can become ${STATUS_MOVES[before.status].filter((s) => s !== before.status).join(' or ')}`})` });
  if (before.status !== 'draft') {
    for (const k of FIXED_AFTER_START) {
      if (JSON.stringify(before[k]) === JSON.stringify(after[k])) continue;
      const at = k === 'variants' ? variantsPath(before, after) : k;
      fields.push({ path: at, message: `fixed once the test has started (it is ${before.status}): changing it would move visitors between arms or change what an arm shows; stop it and start a new test` });
    }
    if (after.traffic < before.traffic) fields.push({ path: 'traffic', message: `a ramp only widens (from ${pct(before.traffic)}): narrowing it would take visitors out of their arm; pause the test instead` });
  }
  if (fields.length > 0) return refuse(400, describe(fields), fields);
  return { ok: true, experiments, experiment: after, before };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The first field where two experiments' arms differ ('variants.1.weight'), for the refusal's path. */
function variantsPath(a: Experiment, b: Experiment): string {
  if (a.variants.length !== b.variants.length) return 'variants';
  for (const [i, v] of a.variants.entries()) {
    const w = b.variants[i]!;
    for (const k of ['id', 'weight', 'layout', 'model'] as const) if (JSON.stringify(v[k]) !== JSON.stringify(w[k])) return `variants.${i}.${k}`;
  }
  return 'variants';
}

function describe(fields: FieldError[]): string {
  const f = fields[0]!;
  return `${f.path || 'experiment'}: ${f.message}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`;
}

export interface Change {
  path: string;
  from: unknown;
  to: unknown;
}

/** What changed between two values, leaf by leaf ('variants.0.weight: 50 → 60'); a whole value where one side has none. */
export function diff(before: unknown, after: unknown, at = ''): Change[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const a = asObject(before) ?? (Array.isArray(before) ? Object.fromEntries(before.entries()) : null);
  const b = asObject(after) ?? (Array.isArray(after) ? Object.fromEntries(after.entries()) : null);
  if (!a || !b) return [{ path: at, from: before ?? null, to: after ?? null }];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => diff(a[k], b[k], at ? `${at}.${k}` : k));
}
