// Run before Playwright: say plainly how to get a browser, instead of a stack trace from launch().
import { accessSync, constants } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
try {
  accessSync(chromium, constants.X_OK);
} catch {
  console.error(
    [
      `Chromium not found at ${chromium}. The browser tests use Debian's Chromium:`,
      '  sudo apt-get update && sudo apt-get install -y chromium',
      'or point CHROMIUM_PATH at another Chromium or Chrome binary.',
      '(`npx playwright install` downloads from outside the package registries and does not work here.)',
    ].join('\n'),
  );
  process.exit(1);
}
