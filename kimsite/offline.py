"""The offline service worker (`sw.js` at the site root, under the base path).

Network first for pages (and the search index), so readers always get fresh content when online and
the last copy they saw when not; cache first for CSS, scripts and images. The cache name holds the
site's scope and a hash of the build, so a new build replaces the old cache and two kimsite sites on
one host (GitHub project pages) never delete each other's caches. `offline: false` in site.yaml drops
the registration script from every page and turns `sw.js` into a kill switch that unregisters any
worker an earlier build installed (browsers keep a worker whose script now 404s).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

SW_FILE = "sw.js"
OFFLINE_TEXT = {
    "id": ("Sedang luring", "Anda sedang tidak tersambung ke internet dan halaman ini belum pernah dibuka di "
           "perangkat ini. Halaman yang sudah pernah dibuka tetap bisa dibaca.", "Ke beranda"),
    "en": ("Offline", "You are offline and this page has not been opened on this device before. Pages you "
           "have opened before can still be read.", "Go to the home page"),
}


def build_hash(rendered: Mapping[str, bytes], copies: Mapping[str, Path],
               digest_of: Callable[[str], str] | None = None) -> str:
    """A short hash of every output file's name and bytes (deterministic: sorted, content only).
    `digest_of(output file)`: a content hash the build already knows (so unchanged files are not read)."""
    digest = hashlib.sha256()
    if digest_of is not None:  # one update of the same byte stream: 27,000 small updates cost ~20 ms
        names = [rel for rel in sorted(rendered) if rel != SW_FILE] + sorted(copies)
        digest.update("".join([f"{rel}\0{digest_of(rel)}" for rel in names]).encode())
        return digest.hexdigest()[:12]
    for rel in sorted(rendered):
        if rel == SW_FILE:
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(rendered[rel]).digest())
    for rel in sorted(copies):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(copies[rel].read_bytes()).digest())
    return digest.hexdigest()[:12]


def service_worker(version: str, precache: Iterable[str], lang: str = "id") -> str:
    """`sw.js`; `precache` are URLs relative to the site root (the stylesheets)."""
    title, text, home = OFFLINE_TEXT.get(lang, OFFLINE_TEXT["id"])
    offline_page = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8">'
                    '<meta name="viewport" content="width=device-width, initial-scale=1">'
                    f'<title>{title}</title><body style="font:1rem/1.6 system-ui,sans-serif;margin:2rem">'
                    f'<h1>{title}</h1><p>{text}</p><p><a href="./">{home}</a></p></body></html>')
    return f"""// kimsite service worker, build {version}; `offline: false` in site.yaml turns it off.
"use strict";
var SCOPE = self.registration.scope;
var PREFIX = "kimsite:" + SCOPE + ":";
var CACHE = PREFIX + {json.dumps(version)};
var PRECACHE = {json.dumps(sorted(precache))};
var OFFLINE = {json.dumps(offline_page, ensure_ascii=False)};

self.addEventListener("install", function (event) {{
  event.waitUntil(caches.open(CACHE).then(function (cache) {{ return cache.addAll(PRECACHE); }})
    .then(function () {{ return self.skipWaiting(); }}));
}});

self.addEventListener("activate", function (event) {{
  event.waitUntil(caches.keys().then(function (keys) {{
    return Promise.all(keys.filter(function (key) {{ return key.indexOf(PREFIX) === 0 && key !== CACHE; }})
      .map(function (key) {{ return caches.delete(key); }}));
  }}).then(function () {{ return self.clients.claim(); }}));
}});

function remember(request, response) {{
  if (response.ok && response.type === "basic") {{
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) {{ cache.put(request, copy); }});
  }}
  return response;
}}

self.addEventListener("fetch", function (event) {{
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(SCOPE) !== 0) return;
  var kind = request.destination;
  if (kind === "style" || kind === "script" || kind === "image" || kind === "font") {{
    event.respondWith(caches.open(CACHE).then(function (cache) {{
      return cache.match(request).then(function (hit) {{
        return hit || fetch(request).then(function (response) {{ return remember(request, response); }});
      }});
    }}));
    return;
  }}
  event.respondWith(fetch(request).then(function (response) {{ return remember(request, response); }})
    .catch(function () {{
      return caches.open(CACHE).then(function (cache) {{ return cache.match(request); }}).then(function (hit) {{
        if (hit) return hit;
        if (request.mode === "navigate") {{
          return new Response(OFFLINE, {{ headers: {{ "Content-Type": "text/html; charset=utf-8" }} }});
        }}
        return Response.error();
      }});
    }}));
}});
"""


def kill_switch() -> str:
    """`sw.js` when offline support is off: removes this site's caches and unregisters itself."""
    return """// kimsite: offline support is off (`offline: false` in site.yaml); this removes an earlier worker.
"use strict";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  var prefix = "kimsite:" + self.registration.scope + ":";
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf(prefix) === 0; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.registration.unregister(); }));
});
"""
