/**
 * Headers for the store's static files, and which of them the store's server may answer precompressed.
 * One definition for next.config.ts (what Next sends) and server/index.ts (what the server sends when it
 * answers a versioned file itself). Pure: the server does the file reading.
 */
export type HeaderList = { key: string; value: string }[];

/** On every response. The Content-Security-Policy itself is per response (its nonce): proxy.ts. */
export function securityHeaders(production: boolean): HeaderList {
  return [
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
    // Browsers ignore HSTS over plain http, so local http://localhost is unaffected.
    ...(production ? [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }] : []),
  ];
}

/** Runtime files live under their version, model files under their content hash: neither ever changes. */
export const IMMUTABLE: HeaderList = [{ key: 'Cache-Control', value: 'public, max-age=31536000, immutable' }];

// A model version's catalogue parts (lib/recs/parts.ts) sit one folder down, named by their hash.
const VERSIONED = /^\/(?:ort\/\d+\.\d+\.\d+(?:-[\w.]+)?|models\/[0-9a-f]{12}(?:\/parts)?)\/([A-Za-z0-9_-][\w.-]*)$/;
/** Next's build output: content-hashed file names, served immutable. */
const NEXT_STATIC = /^\/_next\/static\/((?:[\w-]+\/)*[\w-][\w.~-]*\.(?:js|css))$/;
/** Content types of the runtime and model files (public/), and of Next's JavaScript and CSS (.next/static). */
const TYPES: Record<string, string> = { wasm: 'application/wasm', json: 'application/json', onnx: 'application/octet-stream', bin: 'application/octet-stream', mlmodel: 'application/octet-stream' };
const NEXT_TYPES: Record<string, string> = { js: 'application/javascript; charset=UTF-8', css: 'text/css; charset=UTF-8' };
const extension = (name: string) => name.split('.').at(-1)!.toLowerCase();

/** `br` listed in Accept-Encoding with a weight above 0 (`br;q=0` refuses it). */
export function acceptsBrotli(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'br') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * For a GET or HEAD of a versioned runtime or model file, or of Next's hashed page JavaScript and CSS: its path
 * relative to the project (`public/<file>` or `.next/static/<file>`), the path of its brotli copy when the client
 * accepts brotli (written by scripts/precompress.mjs), and its content type. The store's server answers these
 * itself, from memory (server/index.ts). Anything else (other paths, other methods, a name that could leave the
 * folder) is null: Next answers it as before.
 */
export function versionedFile(method: string, pathname: string, acceptEncoding: string | undefined): { path: string; brPath: string | null; contentType: string } | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const at = (file: string, contentType: string) => ({ path: file, brPath: acceptsBrotli(acceptEncoding) ? `${file}.br` : null, contentType });
  const next = NEXT_STATIC.exec(pathname);
  if (next && !next[1]!.includes('..')) return at(`.next/static/${next[1]}`, NEXT_TYPES[extension(next[1]!)]!);
  const m = VERSIONED.exec(pathname);
  const type = m && TYPES[extension(m[1]!)];
  return type ? at(`public${pathname}`, type) : null;
}
