// Bundles server/index.ts (the HTTP server in front of Next, with the request gate) into one file that
// plain Node runs: .next/tandem-server.mjs. Packages stay in node_modules; only the project's own code
// (the gate, its route table and limits) is bundled, so the server and proxy.ts run the same rules.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/index.ts'],
  outfile: '.next/tandem-server.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  alias: { '@': '.' },
  logLevel: 'warning',
  banner: { js: '// Built by scripts/build-server.mjs from server/index.ts: do not edit.' },
});
console.log('server: .next/tandem-server.mjs');
