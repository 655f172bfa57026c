import { cookies } from 'next/headers';
import { adminCaller, bodyOf, getExperiment, saveExperiment } from '@/lib/admin/experiments-api';

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const caller = await adminCaller(req, false, await cookies());
  return caller.ok ? getExperiment((await ctx.params).id) : caller.response;
}

/** The experiment, changed (the body is the experiment as the config holds it; fields left out keep their value). */
export async function PATCH(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const caller = await adminCaller(req, true, await cookies());
  if (!caller.ok) return caller.response;
  const body = await bodyOf(req);
  return body.ok ? saveExperiment((await ctx.params).id, body.body, req.headers.get('if-match'), caller.actor) : body.response;
}
