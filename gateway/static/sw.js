// Keeps the scanner page and its scripts on the phone, so it reopens with no signal.
// Network first (a new version wins when there is signal), the cached copy otherwise.
// API calls are never cached: the scan queue in localStorage handles those.
const CACHE = "ndld-scanner-v1";
const SHELL = ["/scan", "/static/app.css", "/static/scan.js", "/static/common.js", "/vendor/jsQR.js",
               "/vendor/ed25519.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = url.pathname === "/scan" || SHELL.includes(url.pathname);
  if (event.request.method !== "GET" || url.origin !== location.origin || !shell) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  }).catch(() => caches.match(url.pathname)));
});
