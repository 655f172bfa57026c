import { cookies } from 'next/headers';
import { adminCaller, bodyOf, listExperiments, saveExperiment } from '@/lib/admin/experiments-api';

/** Every experiment as the config holds it, with its revision (ETag). */
export async function GET(req: Request) {
  const caller = await adminCaller(req, false, await cookies());
  return caller.ok ? listExperiments() : caller.response;
}

/** A new experiment (a draft unless it says otherwise): 201, 400 with field errors, 409 on a conflicting change. */
export async function POST(req: Request) {
  const caller = await adminCaller(req, true, await cookies());
  if (!caller.ok) return caller.response;
  const body = await bodyOf(req);
  return body.ok ? saveExperiment(undefined, body.body, req.headers.get('if-match'), caller.actor) : body.response;
}
