'use client';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { placementFacts, PLACEMENT_PAGE, PLACEMENTS, type Placement } from '@/lib/config/placements';
import { DEFAULT_LAYOUTS, ExperimentSchema, PAGE_SLOTS, PAGES, type Experiment, type MetricId, type Page, type ShelfSlot } from '@/lib/config/schema';
import { planTest, type PageTraffic } from '@/lib/experiments/planner';
import { sendExperiment, type FieldErrors } from './experiment-api';

/** A shelf row as the form holds it: optional fields as strings, '' for "the shelf's default". */
interface ShelfRow {
  placement: Placement;
  slot: string;
  title: string;
  size: string;
  ranking: string;
  category: string;
}
interface ArmRow {
  id: string;
  weight: string;
  layout: ShelfRow[];
}
interface Form {
  id: string;
  question: string;
  page: Page;
  control: string;
  arms: ArmRow[];
  primaryMetric: MetricId;
  /** Percent. */
  minimumEffect: string;
  /** Percent of visitors in the test. */
  traffic: string;
}

const shelvesOf = (page: Page) => PLACEMENTS.filter((p) => PLACEMENT_PAGE[p] === page);
const defaultRow = (page: Page, placement: Placement = shelvesOf(page)[0]!): ShelfRow => ({ placement, slot: PAGE_SLOTS[page][PAGE_SLOTS[page].length - 1]!, title: '', size: '', ranking: '', category: '' });
const rowOf = (s: ShelfSlot): ShelfRow => ({ placement: s.placement, slot: s.slot, title: s.title ?? '', size: s.size === undefined ? '' : String(s.size), ranking: s.ranking ?? '', category: s.category ?? '' });
/** A new arm starts from what the page shows today. */
const todaysLayout = (page: Page): ShelfRow[] => DEFAULT_LAYOUTS[page].map(rowOf);

function formOf(e: Experiment | null): Form {
  if (!e || e.kind !== 'page-layout' || !e.page) {
    const page: Page = 'home';
    return { id: '', question: '', page, control: 'a', arms: ['a', 'b'].map((id) => ({ id, weight: '50', layout: todaysLayout(page) })), primaryMetric: 'ctr', minimumEffect: '5', traffic: '100' };
  }
  return {
    id: e.id,
    question: e.question,
    page: e.page,
    control: e.control,
    arms: e.variants.map((v) => ({
      id: v.id,
      weight: String(v.weight),
      layout: (v.layout ?? []).map(rowOf),
    })),
    primaryMetric: e.primaryMetric,
    minimumEffect: String(Math.round(e.minimumEffect * 10000) / 100),
    traffic: String(Math.round(e.traffic * 10000) / 100),
  };
}

/** The experiment the form says, as the config holds it (numbers from their fields; empty fields left out). */
function experimentOf(f: Form, base: Experiment | null): Record<string, unknown> {
  const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  return {
    ...(base ?? {}),
    id: f.id.trim(),
    ...(base ? {} : { salt: `${f.id.trim()}:${new Date().toISOString().slice(0, 10)}`, status: 'draft' }),
    kind: 'page-layout',
    page: f.page,
    question: f.question.trim(),
    control: f.control,
    variants: f.arms.map((a) => ({
      id: a.id.trim(),
      weight: num(a.weight),
      layout: a.layout.map((s) => ({
        placement: s.placement,
        slot: s.slot,
        ...(s.title.trim() ? { title: s.title.trim() } : {}),
        ...(s.size.trim() ? { size: num(s.size) } : {}),
        ...(s.ranking ? { ranking: s.ranking } : {}),
        ...(s.category ? { category: s.category } : {}),
      })),
    })),
    primaryMetric: f.primaryMetric,
    minimumEffect: num(f.minimumEffect) / 100,
    traffic: num(f.traffic) / 100,
  };
}

/** The schema's complaints by field path: the same schema the store validates every config with. */
function validate(experiment: Record<string, unknown>): FieldErrors {
  const parsed = ExperimentSchema.safeParse(experiment);
  if (parsed.success) return {};
  const out: FieldErrors = {};
  for (const i of parsed.error.issues) out[i.path.join('.')] ??= i.message;
  return out;
}

function Field({ id, label, error, children, hint }: { id: string; label: string; error?: string; hint?: string; children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => React.ReactNode }) {
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      {children({ id, 'aria-invalid': !!error, ...(described ? { 'aria-describedby': described } : {}) })}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm text-red-700" data-testid="field-error" data-field={id}>
          {error}
        </p>
      )}
    </div>
  );
}

const input = 'w-full rounded-md border border-slate-400 px-2 py-1.5 text-sm aria-[invalid=true]:border-red-600';
const button = 'rounded-full border border-slate-400 px-3 py-1 text-sm font-semibold hover:border-slate-700 disabled:opacity-50';

/** One shelf of an arm's layout: which shelf, where, and how; moved, or removed. */
function ShelfRowEditor({ row: s, i, k, count, page, err, update }: { row: ShelfRow; i: number; k: number; count: number; page: Page; err: (path: string) => string | undefined; update: (f: (d: Form) => Form) => void }) {
  const pageShelves = shelvesOf(page);
  const at = `variants.${i}.layout.${k}`;
  const facts = placementFacts(s.placement);
  const set = (patch: Partial<ShelfRow>) => update((d) => ({ ...d, arms: d.arms.map((a, j) => (j === i ? { ...a, layout: a.layout.map((r, m) => (m === k ? { ...r, ...patch } : r)) } : a)) }));
  const move = (by: number) =>
    update((d) => ({
      ...d,
      arms: d.arms.map((a, j) => {
        if (j !== i) return a;
        const layout = [...a.layout];
        const [row] = layout.splice(k, 1);
        layout.splice(k + by, 0, row!);
        return { ...a, layout };
      }),
    }));
  return (
    <li key={k} className="rounded-lg bg-slate-50 p-2" data-testid="shelf-row">
      <div className="grid gap-2 sm:grid-cols-3 lg:grid-cols-6">
        <Field id={`${at}.placement`} label={`Shelf ${k + 1}`} error={err(`${at}.placement`)}>
          {(p) => (
            <select {...p} className={input} value={s.placement} onChange={(e) => set({ placement: e.target.value as Placement, ranking: '', category: '' })}>
              {pageShelves.map((pl) => (
                <option key={pl} value={pl}>
                  {placementFacts(pl).title} ({pl})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${at}.slot`} label="Slot" error={err(`${at}.slot`)}>
          {(p) => (
            <select {...p} className={input} value={s.slot} onChange={(e) => set({ slot: e.target.value })}>
              {PAGE_SLOTS[page].map((sl) => (
                <option key={sl} value={sl}>
                  {sl}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${at}.title`} label="Title" error={err(`${at}.title`)}>
          {(p) => <input {...p} className={input} placeholder={facts.title} value={s.title} onChange={(e) => set({ title: e.target.value })} />}
        </Field>
        <Field id={`${at}.size`} label="Size" error={err(`${at}.size`)}>
          {(p) => <input {...p} className={input} type="number" inputMode="numeric" placeholder="12" value={s.size} onChange={(e) => set({ size: e.target.value })} />}
        </Field>
        <Field id={`${at}.ranking`} label="Ranking" error={err(`${at}.ranking`)}>
          {(p) => (
            <select {...p} className={input} value={s.ranking} disabled={!facts.rankingChoosable} onChange={(e) => set({ ranking: e.target.value })}>
              <option value="">default ({facts.ranking})</option>
              {facts.rankingChoosable && <option value="explore">explore (never bought)</option>}
              {facts.rankingChoosable && <option value="all">all</option>}
            </select>
          )}
        </Field>
        <Field id={`${at}.category`} label="Category" error={err(`${at}.category`)}>
          {(p) => (
            <select {...p} className={input} value={s.category} disabled={!facts.category} onChange={(e) => set({ category: e.target.value })}>
              <option value="">{facts.category ? `default (${facts.category.default})` : 'none'}</option>
              {facts.category && <option value="same">same as the product</option>}
              {facts.category && <option value="other">other (complete the set)</option>}
            </select>
          )}
        </Field>
      </div>
      <div className="mt-2 flex flex-wrap gap-2">
        <button type="button" className={button} disabled={k === 0} onClick={() => move(-1)} aria-label={`Move shelf ${k + 1} of arm ${i + 1} up`}>
          Up
        </button>
        <button type="button" className={button} disabled={k === count - 1} onClick={() => move(1)} aria-label={`Move shelf ${k + 1} of arm ${i + 1} down`}>
          Down
        </button>
        <button type="button" className={button} onClick={() => update((d) => ({ ...d, arms: d.arms.map((a, j) => (j === i ? { ...a, layout: a.layout.filter((_, m) => m !== k) } : a)) }))} aria-label={`Remove shelf ${k + 1} of arm ${i + 1}`}>
          Remove
        </button>
      </div>
    </li>
  );
}

/** One arm: its id and weight, and its layout. */
function ArmEditor({ arm, i, form, started, err, update }: { arm: ArmRow; i: number; form: Form; started: boolean; err: (path: string) => string | undefined; update: (f: (d: Form) => Form) => void }) {
  const pageShelves = shelvesOf(form.page);
  return (
    <fieldset key={i} className="rounded-xl border border-slate-300 p-3" data-testid="arm-editor" disabled={started}>
      <legend className="px-1 text-sm font-semibold">Arm {i + 1}</legend>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field id={`variants.${i}.id`} label={`Arm ${i + 1} id`} error={err(`variants.${i}.id`)}>
          {(p) => <input {...p} className={input} value={arm.id} onChange={(e) => update((d) => ({ ...d, control: d.control === arm.id ? e.target.value : d.control, arms: d.arms.map((a, j) => (j === i ? { ...a, id: e.target.value } : a)) }))} />}
        </Field>
        <Field id={`variants.${i}.weight`} label={`Arm ${i + 1} weight`} error={err(`variants.${i}.weight`)}>
          {(p) => <input {...p} className={input} type="number" inputMode="decimal" value={arm.weight} onChange={(e) => update((d) => ({ ...d, arms: d.arms.map((a, j) => (j === i ? { ...a, weight: e.target.value } : a)) }))} />}
        </Field>
        <div className="flex items-end">
          <button type="button" className={button} disabled={form.arms.length <= 2} onClick={() => update((d) => ({ ...d, arms: d.arms.filter((_, j) => j !== i) }))}>
            Remove arm {i + 1}
          </button>
        </div>
      </div>
      {err(`variants.${i}.layout`) && (
        <p className="mt-2 text-sm text-red-700" data-testid="field-error" data-field={`variants.${i}.layout`}>
          {err(`variants.${i}.layout`)}
        </p>
      )}
      <ol className="mt-3 flex flex-col gap-3">
        {arm.layout.map((s, k) => (
          <ShelfRowEditor key={k} row={s} i={i} k={k} count={arm.layout.length} page={form.page} err={err} update={update} />
        ))}
      </ol>
      <button
        type="button"
        className={`${button} mt-3`}
        disabled={arm.layout.length >= Math.min(4, pageShelves.length)}
        onClick={() => update((d) => ({ ...d, arms: d.arms.map((a, j) => (j === i ? { ...a, layout: [...a.layout, defaultRow(d.page, pageShelves.find((pl) => !a.layout.some((r) => r.placement === pl)) ?? pageShelves[0])] } : a)) }))}
      >
        Add a shelf to arm {i + 1}
      </button>
    </fieldset>
  );
}

/** The decision's settings and the planner beside them: control, metric, smallest lift, the share of visitors in the test. */
function Settings({ form, started, err, update, metricLabels, traffic }: { form: Form; started: boolean; err: (path: string) => string | undefined; update: (f: (d: Form) => Form) => void; metricLabels: Record<MetricId, string>; traffic: Record<Page, PageTraffic | null> }) {
  const plan = planTest({
    traffic: traffic[form.page],
    weights: form.arms.map((a) => ({ id: a.id, weight: Number(a.weight) || 0 })),
    control: form.control,
    minimumEffect: (Number(form.minimumEffect) || 0) / 100,
    share: (Number(form.traffic) || 0) / 100,
  });
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Field id="control" label="Control arm" error={err('control')}>
          {(p) => (
            <select {...p} className={input} value={form.control} disabled={started} onChange={(e) => update((d) => ({ ...d, control: e.target.value }))}>
              {form.arms.map((a, i) => (
                <option key={i} value={a.id}>
                  {a.id || `arm ${i + 1}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="primaryMetric" label="Decide on" error={err('primaryMetric')}>
          {(p) => (
            <select {...p} className={input} value={form.primaryMetric} onChange={(e) => update((d) => ({ ...d, primaryMetric: e.target.value as MetricId }))}>
              {(Object.keys(metricLabels) as MetricId[]).map((m) => (
                <option key={m} value={m}>
                  {metricLabels[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="minimumEffect" label="Smallest lift worth finding (%)" error={err('minimumEffect')}>
          {(p) => <input {...p} className={input} type="number" inputMode="decimal" value={form.minimumEffect} onChange={(e) => update((d) => ({ ...d, minimumEffect: e.target.value }))} />}
        </Field>
        <Field id="traffic" label="Visitors in the test (%)" error={err('traffic')} hint={started ? 'a ramp only widens: everyone already in keeps their arm' : 'start small (10%), then ramp'}>
          {(p) => <input {...p} className={input} type="number" inputMode="decimal" value={form.traffic} onChange={(e) => update((d) => ({ ...d, traffic: e.target.value }))} />}
        </Field>
      </div>
      <p className="rounded-lg border border-slate-200 p-3 text-sm text-slate-800" data-testid="planner" aria-live="polite">
        <strong>Planner:</strong>{' '}
        {plan.ok
          ? `at the last 14 days' traffic on the ${form.page} page (${Math.round(plan.visitorsPerDay)} visitors a day, click-through ${(plan.ctr * 100).toFixed(1)}%), with ${form.traffic}% of visitors in the test, it needs about ${plan.days} day${plan.days === 1 ? '' : 's'} (${plan.visitorsNeeded.toLocaleString('en-GB')} visitors) to decide on click-through at a ${form.minimumEffect}% lift.`
          : `${plan.why}.`}
      </p>
    </>
  );
}

/** The test's name, page and question. */
function Basics({ form, experiment, started, err, update }: { form: Form; experiment: Experiment | null; started: boolean; err: (path: string) => string | undefined; update: (f: (d: Form) => Form) => void }) {
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="id" label="Experiment id" error={err('id')} hint="lower-case letters, digits and dashes; it names the readout">
          {(p) => <input {...p} className={input} value={form.id} disabled={!!experiment} onChange={(e) => update((d) => ({ ...d, id: e.target.value }))} />}
        </Field>
        <Field id="page" label="Page" error={err('page')}>
          {(p) => (
            <select
              {...p}
              className={input}
              value={form.page}
              disabled={started}
              onChange={(e) => {
                const page = e.target.value as Page;
                update((d) => ({ ...d, page, arms: d.arms.map((a) => ({ ...a, layout: todaysLayout(page) })) }));
              }}
            >
              {PAGES.map((pg) => (
                <option key={pg} value={pg}>
                  {pg}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field id="question" label="Question" error={err('question')} hint="what the test asks, in a sentence (shown on the dashboard)">
        {(p) => <input {...p} className={input} value={form.question} onChange={(e) => update((d) => ({ ...d, question: e.target.value }))} />}
      </Field>
    </>
  );
}

export interface EditorProps {
  /** The experiment being edited (null: a new one). */
  experiment: Experiment | null;
  revision: string;
  traffic: Record<Page, PageTraffic | null>;
  metricLabels: Record<MetricId, string>;
}

/**
 * The experiment editor (issue 36): a page-layout test built from the shelves the page can show. Every refusal of the
 * config's schema shows next to its field as the form changes, and nothing is sent while any stands; the server
 * checks again (and the rules a started test keeps, lib/experiments/edit.ts) and its refusals land on the same fields.
 */
export function ExperimentEditor({ experiment, revision, traffic, metricLabels }: EditorProps) {
  const [form, setForm] = useState<Form>(() => formOf(experiment));
  const [touched, setTouched] = useState(false);
  const [server, setServer] = useState<{ errors: FieldErrors; message?: string; saved?: string }>({ errors: {} });
  const [busy, setBusy] = useState(false);
  const router = useRouter();
  const started = !!experiment && experiment.status !== 'draft';
  const value = useMemo(() => experimentOf(form, experiment), [form, experiment]);
  const local = useMemo(() => validate(value), [value]);
  const errors = { ...(touched ? local : {}), ...server.errors };
  const err = (path: string) => errors[path];
  const update = (f: (d: Form) => Form) => {
    setForm((d) => f(structuredClone(d)));
    setServer({ errors: {} });
  };

  const save = async () => {
    setTouched(true);
    if (Object.keys(local).length > 0) {
      setServer({ errors: {}, message: 'Fix the fields marked below: nothing was saved.' });
      document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(true);
    const r = await sendExperiment(experiment ? 'PATCH' : 'POST', experiment ? `/admin/api/experiments/${encodeURIComponent(experiment.id)}` : '/admin/api/experiments', value, revision);
    setBusy(false);
    if (!r.ok) return setServer({ errors: r.fields, message: r.error });
    if (!experiment) return router.push(`/admin/experiments/${encodeURIComponent(r.experiment.id)}/edit?saved=1`);
    setServer({ errors: {}, saved: 'Saved.' });
    router.refresh();
  };

  return (
    <form
      className="mt-4 flex flex-col gap-5"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      data-testid="experiment-editor"
    >
      {server.message && (
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800" data-testid="editor-error">
          {server.message}
        </p>
      )}
      {server.saved && (
        <p role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">
          {server.saved}
        </p>
      )}
      <Basics form={form} experiment={experiment} started={started} err={err} update={update} />
      {form.arms.map((arm, i) => (
        <ArmEditor key={i} arm={arm} i={i} form={form} started={started} err={err} update={update} />
      ))}
      {!started && (
        <button
          type="button"
          className={`${button} self-start`}
          disabled={form.arms.length >= 4}
          onClick={() => update((d) => ({ ...d, arms: [...d.arms, { id: `arm-${d.arms.length + 1}`, weight: '50', layout: todaysLayout(d.page) }] }))}
        >
          Add an arm
        </button>
      )}
      {err('variants') && (
        <p className="text-sm text-red-700" data-testid="field-error" data-field="variants">
          {err('variants')}
        </p>
      )}

      <Settings form={form} started={started} err={err} update={update} metricLabels={metricLabels} traffic={traffic} />
      {err('') && (
        <p className="text-sm text-red-700" data-testid="field-error" data-field="">
          {err('')}
        </p>
      )}
      <div>
        <button type="submit" className="rounded-full bg-slate-900 px-5 py-2 text-sm font-semibold text-white hover:bg-slate-700 disabled:opacity-50" disabled={busy}>
          {experiment ? 'Save changes' : 'Save as draft'}
        </button>
      </div>
    </form>
  );
}
