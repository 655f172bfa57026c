/** The current request's configuration and assignments (experiments, and the shelves' standing holdbacks), for server components and routes. */
import 'server-only';
import { cookies } from 'next/headers';
import { getConfig } from '../config';
import type { StoreConfig } from '../config/schema';
import { assignAll, withPreview, type Assignment } from './assign';
import { PREVIEW_COOKIE, verifyPreview, type Preview } from './preview';
import { holdbackView } from './health-server';
import { holdbackAssignments } from './holdback';
import { VISITOR_COOKIE, verifyVisitor } from './visitor';

export async function requestAssignments(): Promise<{ config: StoreConfig; assignments: Assignment[] }> {
  const { config } = await getConfig();
  // proxy.ts sets the cookie on the very first request too, so the first HTML already has the variant. Verified
  // here as well: /api/rank is not a page, and a made-up id must not choose its arm there either.
  const visitor = await verifyVisitor((await cookies()).get(VISITOR_COOKIE)?.value);
  return { config, assignments: withPreview(config, await assignmentsOf(config, visitor?.id), await requestPreview()) };
}

/** The arm this browser is previewing (a marketer's signed link), or null. */
export async function requestPreview(): Promise<Preview | null> {
  return verifyPreview((await cookies()).get(PREVIEW_COOKIE)?.value);
}

/** A visitor's every assignment: the running experiments' variants, and each model shelf's holdback arm. */
export async function assignmentsOf(config: StoreConfig, visitorId: string | undefined): Promise<Assignment[]> {
  return [...assignAll(config, visitorId), ...holdbackAssignments(visitorId, await holdbackView(config))];
}
