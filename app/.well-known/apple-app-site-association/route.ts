import { appConfig, appSiteAssociation } from '@/lib/handoff/links';

/** Universal links and shared credentials for the companion app; iOS fetches this without an extension. */
export function GET() {
  return Response.json(appSiteAssociation(appConfig()), {
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' },
  });
}
