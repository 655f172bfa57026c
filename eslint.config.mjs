import { defineConfig, globalIgnores } from 'eslint/config';
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

/**
 * The rooms of README.md's "Layout" table, enforced: a wrong import fails `npm run lint` (and so `npm test`)
 * instead of waiting for a review. Each entry says what a room must not import and why.
 */
const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'crypto', 'os', 'http', 'https', 'net', 'child_process', 'zlib', 'url', 'stream', 'worker_threads', 'module'];
const rule = (groups, message) => ({ group: groups, message });
const room = (files, patterns, ignores = [], paths = []) => ({
  files,
  ignores: ['**/*.test.ts', '**/*.test.tsx', ...ignores],
  rules: { 'no-restricted-imports': ['error', { patterns, paths }] },
});

const noModels = rule(['**/models/*', '@/models/*'], 'models/ is the training pipeline: the store never imports it (it reads the artifacts it writes).');
const noApp = rule(['**/app/*', '@/app/*'], 'app/ holds routes: nothing imports a route.');
const noComponents = rule(['**/components/*', '@/components/*'], 'lib/ is below the UI: components import lib, never the other way.');
const noTools = rule(['**/e2e/*', '@/e2e/*', '**/scripts/*', '@/scripts/*'], 'e2e/ and scripts/ are tools: product code never imports them.');
const noUi = rule(['react', 'react-dom', 'react/*', 'next', 'next/*', 'swr'], 'pure rooms run in the worker, the edge and Node: no React, no Next.');
const noDevice = rule(['**/lib/device/*', '@/lib/device/*', '../device/*'], 'lib/recs, lib/coldstart and lib/shelf are pure (Node, the worker, the edge): the browser-only worker and its client live in lib/device, which imports them, never the reverse.');
const noBareLink = {
  name: 'next/link',
  message: 'Links go through components/nav/IntentLink.tsx: it prefetches on intent (hover, focus, touch), not on sight.',
};
const noNode = rule(NODE_BUILTINS, 'this room runs in the browser worker or at the edge: Web APIs only, no Node built-ins.');
// The worker and the edge rank a shelf through lib/recs/shelf.ts, so its rules, blend and reasons are written once.
const viaShelf = rule(
  ['**/recs/score', '**/recs/complements', '**/recs/reasons'],
  'rank a shelf through lib/recs/shelf.ts (one pipeline for the device and the edge), not the scorer, complements or reasons directly.',
);

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores(['.next/**', 'out/**', 'next-env.d.ts', 'data/**', 'test-results/**', 'playwright-report/**']),
  room(['app/**'], [noModels, noTools], [], [noBareLink]),
  room(['components/**'], [noModels, noApp, noTools], ['components/nav/IntentLink.tsx'], [noBareLink]),
  // The one module that wraps next/link: the components room's rules without the link rule.
  room(['components/nav/IntentLink.tsx'], [noModels, noApp, noTools]),
  // lib/experiments/request.ts is the one server adapter that reads the request's cookies (next/headers).
  room(['lib/**'], [noModels, noApp, noComponents, noTools, noUi], ['lib/experiments/request.ts']),
  room(['lib/recs/**', 'lib/coldstart/**', 'lib/shelf/**'], [noModels, noApp, noComponents, noTools, noUi, noNode, noDevice]),
  room(['lib/coldstart/**'], [noModels, noApp, noComponents, noTools, noUi, noNode, noDevice, viaShelf]),
  room(['lib/device/**', 'lib/cart/**', 'lib/handoff/**', 'lib/config/**', 'lib/experiments/assign.ts', 'lib/catalog/sku.ts'], [noModels, noApp, noComponents, noTools, noUi, noNode]),
  // The bench's half of the worker times the scorer itself.
  room(['lib/device/**'], [noModels, noApp, noComponents, noTools, noUi, noNode, viaShelf], ['lib/device/worker-bench.ts']),
  room(['models/**'], [noApp, noComponents, rule(['**/e2e/*', '@/e2e/*'], 'models/ does not depend on the browser tests.')]),
]);
