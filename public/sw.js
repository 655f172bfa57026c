// Tandem's service worker: after one visit, the home page and its on-device recommendations work offline.
// Immutable files (hashed chunks, the ORT runtime, pictures, the versioned catalog) are served cache-first;
// pages and the model pointer network-first, from the cache only when offline. Live APIs are never cached.
// A model version's files are not cached here: the recommender worker keeps them, the two versions it used
// last and no more (lib/device/worker.ts); a second copy here would keep every version forever.
// v2: v1 held model files; activating v2 deletes it.
const RUNTIME = 'tandem-runtime-v2';
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
        if (res.ok) await cache.put(url, res);
      } catch {
        // offline already: nothing to do
      }
    }),
  );
}

function cacheable(url) {
  if (url.pathname.startsWith('/api/')) return url.pathname === '/api/catalog' && url.searchParams.has('v');
  return !MODEL_FILE.test(url.pathname);
}

async function cacheFirst(request) {
  const cache = await caches.open(RUNTIME);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

async function networkFirst(request) {
  const cache = await caches.open(RUNTIME);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
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
