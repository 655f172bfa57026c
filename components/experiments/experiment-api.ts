/** The editor's side of /admin/api/experiments: one call, its refusals by field. */
import type { Experiment } from '@/lib/config/schema';

/** A field's path in the experiment ('variants.0.weight', '' for the experiment as a whole) → the refusal. */
export type FieldErrors = Record<string, string>;

export type SendResult = { ok: true; experiment: Experiment; revision: string } | { ok: false; status: number; error: string; fields: FieldErrors };

export async function sendExperiment(method: 'POST' | 'PATCH', url: string, body: unknown, revision: string): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { 'Content-Type': 'application/json', 'If-Match': `"${revision}"` }, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, error: 'The store could not be reached: nothing was saved.', fields: {} };
  }
  const answer = (await res.json().catch(() => ({}))) as { experiment?: Experiment; revision?: string; error?: string; fields?: { path: string; message: string }[] };
  if (res.ok && answer.experiment && answer.revision) return { ok: true, experiment: answer.experiment, revision: answer.revision };
  const fields: FieldErrors = {};
  for (const f of answer.fields ?? []) fields[f.path] ??= f.message;
  const error = res.status === 409 ? `${answer.error ?? 'The config changed since you loaded it.'}` : (answer.error ?? `HTTP ${res.status}`);
  return { ok: false, status: res.status, error, fields };
}
