// Makes sure the admin dashboard has a token: ADMIN_TOKEN from the environment, else from .env.local,
// else a new random one written to .env.local and printed once, with where to use it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';

const file = '.env.local';
const inFile = existsSync(file) && /^ADMIN_TOKEN=.{16,}$/m.test(readFileSync(file, 'utf8'));
if (!process.env.ADMIN_TOKEN && !inFile) {
  const token = randomBytes(24).toString('base64url');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}# Admin dashboard token (/admin/experiments), created by npm start\nADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  console.log(`\nAdmin dashboard: http://localhost:${process.env.PORT ?? 3000}/admin/experiments\nAdmin token (saved in ${file}, shown this once): ${token}\n`);
}
