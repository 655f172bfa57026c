/** The current request's configuration and experiment assignments, for server components. */
import 'server-only';
import { cookies } from 'next/headers';
import { getConfig } from '../config';
import type { StoreConfig } from '../config/schema';
import { assignAll, VISITOR_COOKIE, visitorId, type Assignment } from './assign';

export async function requestAssignments(): Promise<{ config: StoreConfig; assignments: Assignment[] }> {
  const { config } = await getConfig();
  // proxy.ts sets the cookie on the very first request too, so the first HTML already has the variant.
  return { config, assignments: assignAll(config, visitorId((await cookies()).get(VISITOR_COOKIE)?.value)) };
}
