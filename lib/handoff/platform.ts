/**
 * Which shoppers get the companion app's banner and "Open in the app": iPhone, iPod and iPad, including
 * iPadOS, whose Safari reports a Mac user agent by default and is told apart by its touch points.
 */
export type ApplePlatform = 'iphone' | 'ipad' | null;

/** From the user agent alone (the server's view). iPadOS with a desktop user agent returns null here. */
export function applePlatformFromUserAgent(userAgent: string): ApplePlatform {
  if (/\b(iPhone|iPod)\b/.test(userAgent)) return 'iphone';
  if (/\biPad\b/.test(userAgent)) return 'ipad';
  return null;
}

/** In the browser: the user agent, or a "Macintosh" with a touch screen, which only iPadOS is. */
export function applePlatform(userAgent: string, maxTouchPoints: number): ApplePlatform {
  return applePlatformFromUserAgent(userAgent) ?? (/\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1 ? 'ipad' : null);
}

/** In-app browsers (Facebook, Instagram, LinkedIn…) often ignore universal links: they get the URL scheme. */
export function isInAppBrowser(userAgent: string): boolean {
  return /\b(FBAN|FBAV|Instagram|LinkedInApp|Line\/|Twitter|MicroMessenger|GSA)\b/.test(userAgent);
}
