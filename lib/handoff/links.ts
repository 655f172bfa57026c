/**
 * The companion app's identity and links, from configuration. With nothing set, documented placeholders
 * (they validate, and point at no real app) keep the store working; set the real values to ship.
 */
export interface AppConfig {
  /** Apple Developer team id (10 characters). */
  teamId: string;
  bundleId: string;
  /** The App Store id, for the Smart App Banner. */
  appStoreId: string;
  /** The custom URL scheme for browsers that ignore universal links. */
  scheme: string;
}

export const PLACEHOLDER_APP: AppConfig = { teamId: 'ABCDE12345', bundleId: 'com.example.tandem', appStoreId: '0000000000', scheme: 'tandem' };

export function appConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const pick = (value: string | undefined, pattern: RegExp, fallback: string) => (value && pattern.test(value) ? value : fallback);
  return {
    teamId: pick(env.APPLE_TEAM_ID, /^[A-Z0-9]{10}$/, PLACEHOLDER_APP.teamId),
    bundleId: pick(env.APPLE_BUNDLE_ID, /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, PLACEHOLDER_APP.bundleId),
    appStoreId: pick(env.APPLE_APP_STORE_ID, /^\d{6,12}$/, PLACEHOLDER_APP.appStoreId),
    scheme: pick(env.APPLE_APP_SCHEME, /^[a-z][a-z0-9+.-]{1,30}$/, PLACEHOLDER_APP.scheme),
  };
}

/** Paths the app opens: product pages, category pages and the handoff page. */
export const APP_PATHS = ['/products/*', '/categories/*', '/handoff'] as const;

/** apple-app-site-association: universal links for the paths above, and shared web credentials. */
export function appSiteAssociation(app: AppConfig) {
  const appID = `${app.teamId}.${app.bundleId}`;
  return {
    applinks: {
      details: [
        {
          appIDs: [appID],
          components: [
            { '/': '/products/*', comment: 'a product page' },
            { '/': '/categories/*', comment: 'a category listing' },
            { '/': '/handoff', '#': 'v=*', comment: 'a handoff: history and cart in the fragment' },
          ],
        },
      ],
    },
    webcredentials: { apps: [appID] },
  };
}

/** The handoff universal link: the page to open, and the state in the fragment. */
export function handoffLink(origin: string, path: string, fragment: string): string {
  const to = new URL('/handoff', origin);
  to.searchParams.set('to', path);
  return `${to.href}#${fragment}`;
}

/** The same handoff for the URL scheme (in-app browsers): tandem://handoff?to=/products/X#v=1&… */
export function schemeLink(app: AppConfig, path: string, fragment: string): string {
  return `${app.scheme}://handoff?to=${encodeURIComponent(path)}#${fragment}`;
}

/** Only same-site product or category paths (or home) may be the handoff's destination. */
export function safeDestination(to: string | null): string {
  return to && /^\/(products|categories)\/[A-Za-z0-9%-]{1,40}$/.test(to) ? to : '/';
}
