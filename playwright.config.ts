import { defineConfig } from '@playwright/test';
import { SERVER_ENTRY, TEST_VISITOR_SECRET } from './scripts/next-server';
import { CHROMIUM, CHROMIUM_ARGS, E2E_ADMIN_TOKEN, E2E_DATA_DIR, E2E_PORT as PORT } from './e2e/browser';

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: true,
  // Two cores: one for the server, one for the browser, give or take.
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  // A budget, not a speed check (speed is measured by npm run bench): on a 2-core CI machine, while specs that
  // start servers of their own run beside them, page renders of 0.5-2 s took a few tests past 30 s.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  // Tests run against the production build (`npm run build` comes first in `npm test`).
  webServer: {
    command: `node ${SERVER_ENTRY} -p ${PORT}`,
    // A known admin token and an events database of the tests' own (read by e2e/events-db.ts).
    // The sign-in throttle off on the shared server: bad-input.spec sends fifty wrong sign-ins from this one
    // address, and every later test signs in; /api/rank's limit off too (the suite asks it thousands of times from
    // here), and the new-visitor limit (every test's fresh browser is a new visitor from this one address).
    // e2e/hostile.spec.ts tests each on servers of their own. Visitors are signed with the tests' own secret.
    env: {
      NEXT_TELEMETRY_DISABLED: '1',
      ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      VISITOR_SECRET: TEST_VISITOR_SECRET,
      TANDEM_DATA_DIR: E2E_DATA_DIR,
      TANDEM_SIGNIN_LIMIT_ADDRESS: 'off',
      TANDEM_SIGNIN_LIMIT_OVERALL: 'off',
      TANDEM_RANK_LIMIT_ADDRESS: 'off',
      TANDEM_NEW_VISITORS_LIMIT_ADDRESS: 'off',
      // No standing holdback on the shared server: specs assert the model's lists for fresh visitors, and 5% of
      // them per shelf would see the baseline. e2e/holdback.spec.ts runs a server of its own at 50%.
      TANDEM_HOLDBACK_SHARE: '0',
    },
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
