// Makes sure the server has its two secrets, each from the environment, else from .env.local, else a new random
// one appended to .env.local:
// - ADMIN_TOKEN, the admin dashboard's token (printed once, with where to use it);
// - VISITOR_SECRET, which signs visitor ids (lib/experiments/visitor.ts). Changing it makes every visitor new.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';

const file = '.env.local';
const inFile = (name, min) => existsSync(file) && new RegExp(`^${name}=.{${min},}$`, 'm').test(readFileSync(file, 'utf8'));
const append = (lines) => {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${lines}\n`, { mode: 0o600 });
};

if (!process.env.ADMIN_TOKEN && !inFile('ADMIN_TOKEN', 16)) {
  const token = randomBytes(24).toString('base64url');
  append(`# Admin dashboard token (/admin/experiments), created by npm start\nADMIN_TOKEN=${token}`);
  console.log(`\nAdmin dashboard: http://localhost:${process.env.PORT ?? 3000}/admin/experiments\nAdmin token (saved in ${file}, shown this once): ${token}\n`);
}
if (!process.env.VISITOR_SECRET && !inFile('VISITOR_SECRET', 32)) {
  append(`# Signs visitor ids (experiments, events), created by npm start: keep it secret, keep it stable\nVISITOR_SECRET=${randomBytes(32).toString('base64url')}`);
}
