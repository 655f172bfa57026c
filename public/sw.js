// Tandem's service worker: after one visit, the home page and its on-device recommendations work offline.
// Immutable files (hashed chunks, the ORT runtime, pictures, the versioned catalog) are served cache-first;
// pages and the model pointer network-first, from the cache only when offline. Live APIs are never cached.
// A model version's files are not cached here: the recommender worker keeps them, the two versions it used
// last and no more (lib/device/worker.ts); a second copy here would keep every version forever.
// Never stored: /admin (the marketing readouts stay behind sign-in, offline too) and any response marked
// no-store (issue 34: a signed-out browser still opened the cached dashboard offline). `private` is stored: it
// forbids shared caches, and this one is the visitor's own browser (RFC 9111 §5.2.2.7); shop pages are private,
// no-cache (lib/http/page-cache.ts), so they are kept for offline use and asked for again when online.
// v3: v2 could hold /admin pages; activating v3 deletes it (v1 held model files).
const RUNTIME = 'tandem-runtime-v3';
const IMMUTABLE = /^\/(_next\/static\/|ort\/|images\/products\/)/;
const MODEL_FILE = /^\/models\/[0-9a-f]{12}\//;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('tandem-runtime-') && key !== RUNTIME) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

// The first visit loads before this worker controls the page: it sends what it loaded, to be cached now.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'cache-urls' && Array.isArray(event.data.urls)) event.waitUntil(cacheUrls(event.data.urls));
});

async function cacheUrls(urls) {
  const cache = await caches.open(RUNTIME);
  await Promise.all(
    urls.map(async (url) => {
      if (!cacheable(new URL(url, self.location.origin)) || (await cache.match(url))) return;
      try {
        const res = await fetch(url);
        if (storable(res)) await cache.put(url, res);
      } catch {
        // offline already: nothing to do
      }
    }),
  );
}

function cacheable(url) {
  if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) return false;
  if (url.pathname.startsWith('/api/')) return url.pathname === '/api/catalog' && url.searchParams.has('v');
  return !MODEL_FILE.test(url.pathname);
}

/** What the server allows this browser to keep: a 200 whose Cache-Control does not say no-store. */
function storable(res) {
  return res.ok && !/(^|[\s,])no-store([\s,]|$)/i.test(res.headers.get('Cache-Control') || '');
}

async function cacheFirst(request) {
  const cache = await caches.open(RUNTIME);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (storable(res)) await cache.put(request, res.clone());
  return res;
}

async function networkFirst(request) {
  const cache = await caches.open(RUNTIME);
  try {
    const res = await fetch(request);
    if (storable(res)) await cache.put(request, res.clone());
    else if (res.ok) await cache.delete(request); // a copy from before it said no-store is not kept either
    return res;
  } catch (err) {
    const hit = await cache.match(request);
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const home = await cache.match('/');
      if (home) return home;
    }
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !cacheable(url)) return;
  const immutable = IMMUTABLE.test(url.pathname) || url.pathname === '/api/catalog';
  event.respondWith(immutable ? cacheFirst(request) : networkFirst(request));
});
