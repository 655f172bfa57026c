import { cookies } from 'next/headers';
import { getConfig } from '@/lib/config';
import { getEventStore } from '@/lib/events/server-store';
import { MAX_BODY_BYTES, parseBatch, type RefusalReason } from '@/lib/events/schema';
import { readLimited } from '@/lib/events/read-body';
import { admitEvents, admitOrder } from '@/lib/events/limits';
import { assignmentsOf, requestPreview } from '@/lib/experiments/request';
import { VISITOR_COOKIE, verifyVisitor } from '@/lib/experiments/visitor';
import { labelEvents } from '@/lib/events/label';
import { labelEntries } from '@/lib/events/entry';
import { orderLimits } from '@/lib/events/plausible';
import { getProduct } from '@/lib/catalog/store';
import { requestAddress } from '@/lib/http/client-address';
import { tooManyRequests } from '@/lib/http/rate-limit';

/** Read once per server: a bad value fails the first request loudly rather than counting forged orders. */
const ORDER_LIMITS = orderLimits();

const json = (body: unknown, status: number, headers: Record<string, string> = {}) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });

/**
 * Shopper events in batches: `{"events":[...]}` as JSON (or text/plain, which is what sendBeacon sends
 * a string as). 202 once stored; an id seen before is counted as a duplicate and stored nothing.
 */
export async function POST(req: Request) {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') return json({ error: 'content-type must be application/json or text/plain' }, 415);
  // The visitor is who sent the request (the cookie this server signed), never a field the page could fill in.
  const visitor = await verifyVisitor((await cookies()).get(VISITOR_COOKIE)?.value);
  const address = requestAddress(req.headers);
  // A sender already out of allowance is refused before its body is read or parsed: refusals must cost a flood
  // less than stored events (292 refused 100-event batches a second took a shopper's p50 from 28 to 149 ms).
  const spent = await admitEvents(visitor?.id, address, 1, Date.now(), 'check');
  if (!spent.ok) return tooManyRequests(`too many events: send again in ${spent.retryAfterS} s`, spent.retryAfterS);
  const body = await readLimited(req, MAX_BODY_BYTES);
  if (!body.ok) return json({ error: body.error }, body.status);
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(body.text);
  } catch {
    return json({ error: 'body is not JSON' }, 400);
  }
  const batch = parseBatch(parsedJson, Date.now());
  if (!batch.ok) return json({ error: batch.error }, 400);

  const { config } = await getConfig();
  if (!config.switches.eventCollection) return json({ accepted: 0, duplicates: 0, dropped: batch.events.length }, 202);
  // A marketer previewing an arm: what they see and do is never counted.
  if (await requestPreview()) return json({ accepted: 0, duplicates: 0, dropped: batch.events.length, preview: true }, 202);

  // Without a signed visitor nothing can be attributed and a made-up id could pick its own arm: refused, and
  // tallied for the readouts. The address's allowance is spent first, so refusals cost a flood what stored events would.
  const admitted = await admitEvents(visitor?.id, address, batch.events.length);
  if (!admitted.ok) return tooManyRequests(`too many events: send again in ${admitted.retryAfterS} s`, admitted.retryAfterS);
  if (!visitor) {
    await tallyRefused([{ reason: 'unsigned-visitor', events: batch.events.length }]);
    return json({ error: 'no visitor id this store issued: events are taken from a page of this store (it sets the tandem_vid cookie)' }, 403);
  }
  // Arms from the visitor's own assignment and order values from our catalogue: never what the body claims.
  const labelled = labelEvents(batch.events, { visitor, receivedAt: Date.now(), experiments: config.experiments, assignments: await assignmentsOf(config, visitor.id), price: (sku) => getProduct(sku)?.price, limits: ORDER_LIMITS });
  // Each order against the visitor's daily allowance, in the batch's order; one over it is refused with the reason.
  for (const stored of labelled.events.filter((e) => e.type === 'purchase')) {
    const admitted = await admitOrder(visitor.id, stored.revenuePence ?? 0, ORDER_LIMITS);
    if (admitted.ok) continue;
    const index = batch.events.findIndex((e) => e.id === stored.id);
    labelled.refused.push({ index, reason: 'implausible-order', error: `events.${index}: ${admitted.why} (this store's limit): not counted` });
    labelled.events.splice(labelled.events.indexOf(stored), 1);
  }
  if (labelled.refused.length > 0) await tallyRefused(tally(labelled.refused));
  // Refused events are named; the batch's others are kept (a device's one stale event must not cost the rest).
  if (labelled.events.length === 0) return json({ error: labelled.refused[0]!.error, refused: labelled.refused }, 400);
  try {
    const store = getEventStore();
    // An id older than an hour entering an experiment spends from its address's allowance: a stockpile of ids
    // enters a readout at that rate (lib/events/entry.ts).
    const events = await labelEntries(labelled.events, visitor, address, () => store.entered(visitor.id));
    const result = await store.insert(events);
    // Not how many events were relabelled: that count would tell an id which arm it is in (issue 34).
    return json({ ...result, refused: labelled.refused }, 202);
  } catch (e) {
    // The device keeps the batch and sends it again: nothing is lost, and the ids prevent doubles.
    console.error('[tandem] events store unavailable:', (e as Error).message);
    return json({ error: 'events store temporarily unavailable' }, 503);
  }
}

/** The refusals' tally is for the readouts only: a store that cannot take it loses a count, not the answer. */
async function tallyRefused(refused: { reason: RefusalReason; events: number }[]): Promise<void> {
  try {
    await getEventStore().recordRefused(refused, Date.now());
  } catch {
    // The store's own failure is reported by the next insert (503), where it matters.
  }
}

/** Refused events counted by reason. */
function tally(refused: { reason: RefusalReason }[]): { reason: RefusalReason; events: number }[] {
  const n = new Map<RefusalReason, number>();
  for (const r of refused) n.set(r.reason, (n.get(r.reason) ?? 0) + 1);
  return [...n].map(([reason, events]) => ({ reason, events }));
}
