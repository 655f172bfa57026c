// Debian's Chromium: Playwright's own browser download cannot work on our machines.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The test server's admin token and its events database folder (playwright.config.ts passes both). */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const E2E_DATA_DIR = `${process.cwd()}/data/e2e`;
/** The main test server's port (playwright.config.ts starts it there). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
