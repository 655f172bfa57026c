/** The current request's configuration and experiment assignments, for server components. */
import 'server-only';
import { cookies } from 'next/headers';
import { getConfig } from '../config';
import type { StoreConfig } from '../config/schema';
import { assignAll, type Assignment } from './assign';
import { VISITOR_COOKIE, verifyVisitor } from './visitor';

export async function requestAssignments(): Promise<{ config: StoreConfig; assignments: Assignment[] }> {
  const { config } = await getConfig();
  // proxy.ts sets the cookie on the very first request too, so the first HTML already has the variant. Verified
  // here as well: /api/rank is not a page, and a made-up id must not choose its arm there either.
  const visitor = await verifyVisitor((await cookies()).get(VISITOR_COOKIE)?.value);
  return { config, assignments: assignAll(config, visitor?.id) };
}
