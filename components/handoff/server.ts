import 'server-only';
import { headers } from 'next/headers';
import { appConfig } from '@/lib/handoff/links';
import { applePlatformFromUserAgent } from '@/lib/handoff/platform';

/** What product and category pages need for the app handoff, from this request. */
export async function handoffContext() {
  const h = await headers();
  const proto = h.get('x-forwarded-proto') === 'https' ? 'https' : 'http';
  return { platform: applePlatformFromUserAgent(h.get('user-agent') ?? ''), origin: `${proto}://${h.get('host') ?? 'localhost'}`, app: appConfig() };
}

/** The Smart App Banner tag, for iPhone and iPad user agents only: its argument is this page's universal link. */
export async function appBannerMetadata(path: string): Promise<{ other?: Record<string, string> }> {
  const { platform, origin, app } = await handoffContext();
  return platform ? { other: { 'apple-itunes-app': `app-id=${app.appStoreId}, app-argument=${new URL(path, origin).href}` } } : {};
}
