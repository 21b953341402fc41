"""`kimsite serve`: a live preview that rebuilds on save, reloads the browser and shows build errors.

    watchdog observer ─► classify_events (pure) ─► one debounced build thread ─► kimsite.quick (bodies
    alone changed) or build() into a private temp folder ─► Server-Sent Events to the browser (reload
    the pages that changed, swap CSS, overlay)

Design notes (see MkDocs `livereload._build_loop`, Zola `filter_events`, CVE-2021-40978):
- the watchdog callback only records the change and wakes the build thread; the build thread waits for
  `debounce` seconds of quiet, so an editor's save (truncate+write, temp+rename, vim's 4913/backup dance)
  or a `git checkout` of 500 files is one build; changes during a build give exactly one follow-up build.
  Once a save has visibly finished (the file was closed after writing, or renamed into place) the quiet
  needed shrinks to `save_quiet`: every editor's save pattern completes within microseconds of its last
  step, and the preview should not make the volunteer wait 100 ms for nothing;
- requests wait while a build is pending or running, so nobody sees a half-built site, and the server
  keeps serving the last good build when a build fails (the overlay tells what to fix);
- request paths are decoded once, checked segment by segment and resolved inside the output folder;
  anything odd is a 400 and nothing outside the output folder is ever read.
"""

from __future__ import annotations

import atexit
import errno
import html
import json
import logging
import mimetypes
import os
import queue
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from kimsite.build import BuildOptions, BuildResult, KeptBuild, build
from kimsite.cache import OutputFiles
from kimsite.config import load_config
from kimsite.errors import Diagnostic, KimsiteError, UsageError, format_diagnostic, make
from kimsite.quick import rebuild_bodies

# -- change classification (pure) ---------------------------------------------------------------

KINDS = ("content", "template", "static", "config", "data")
_EDITOR_FILE = re.compile(
    r"(\.sw[a-px]$"          # vim swap files (.x.md.swp, .swo, …, .swx)
    r"|~$"                   # backups (x.md~)
    r"|^4913$"               # vim's "can I write here" probe
    r"|^\.#|^#.*#$"          # emacs lock and autosave files
    r"|\.tmp$|\.kate-swp$|\.part$|\.crdownload$"
    r"|___jb_(tmp|old|bak)___$)"  # JetBrains safe write
)
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".kimsite-cache", "node_modules", "__pycache__"})


class _ShutdownNoise(logging.Filter):
    """watchdog logs an error when a file event arrives while its observer is being stopped (a save just
    before Ctrl-C); the event is moot then, and the line would only puzzle a volunteer. Nothing else of
    watchdog's is hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_ShutdownNoise())


@dataclass(frozen=True)
class ChangeSet:
    """File changes sorted by what they affect; paths are site-relative POSIX (absolute for files of a
    theme outside the site)."""

    content: frozenset[str] = frozenset()
    template: frozenset[str] = frozenset()
    static: frozenset[str] = frozenset()
    config: frozenset[str] = frozenset()
    data: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()

    @property
    def needs_build(self) -> bool:
        return any(getattr(self, kind) for kind in KINDS)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(kind for kind in KINDS if getattr(self, kind))

    def merge(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(**{name: getattr(self, name) | getattr(other, name) for name in (*KINDS, "ignored")})


def _is_editor_or_hidden(parts: Sequence[str]) -> bool:
    return any(part.startswith(".") or part in _SKIPPED_DIRS or _EDITOR_FILE.search(part) for part in parts)


def classify_events(paths: Iterable[str | Path], site_dir: Path, out_dir: Path | None = None,
                    theme_dirs: Sequence[Path] = ()) -> ChangeSet:
    """Sort changed paths into the kinds a rebuild cares about; everything else is `ignored`.

    content: `content/**`; template: `themes/*/` except `static/` (templates, i18n, tema.yaml);
    static: `static/**` and `themes/*/static/**`; config: `site.yaml`; data: `data/**`. Ignored:
    editor files (`*.swp`, `*~`, `4913`, `.#*`, `#*#`, …), hidden files and folders (`.git`,
    `.kimsite-cache`), the output folder and anything else. `theme_dirs` are theme folders outside the
    site (the bundled theme). No file system access: the decision is on the path alone.
    """
    site = Path(os.path.abspath(site_dir))
    out = Path(os.path.abspath(out_dir)) if out_dir is not None else None
    themes = [Path(os.path.abspath(t)) for t in theme_dirs]
    found: dict[str, set[str]] = {name: set() for name in (*KINDS, "ignored")}
    for raw in paths:
        path = Path(os.path.abspath(raw))
        kind, rel = _classify_one(path, site, out, themes)
        found[kind].add(rel)
    return ChangeSet(**{name: frozenset(values) for name, values in found.items()})


def _classify_one(path: Path, site: Path, out: Path | None, themes: Sequence[Path]) -> tuple[str, str]:
    inside = path.is_relative_to(site) and path != site
    parts = path.relative_to(site).parts if inside else ()
    rel = "/".join(parts) if inside else str(path)
    if out is not None and (path == out or path.is_relative_to(out)):
        return "ignored", rel
    if inside:
        if _is_editor_or_hidden(parts):
            return "ignored", rel
        top = parts[0]
        if len(parts) == 1:
            return ("config", rel) if top == "site.yaml" else ("ignored", rel)
        if top == "content":
            return "content", rel
        if top == "static":
            return "static", rel
        if top == "data":
            return "data", rel
        if top == "themes":
            return ("static", rel) if len(parts) > 3 and parts[2] == "static" else ("template", rel)
        return "ignored", rel
    for theme in themes:
        if path.is_relative_to(theme) and path != theme:
            parts = path.relative_to(theme).parts
            if _is_editor_or_hidden(parts):
                return "ignored", str(path)
            return ("static" if parts[0] == "static" and len(parts) > 1 else "template"), str(path)
    return "ignored", str(path)


def static_output(rel: str) -> str | None:
    """The output file a static source is copied to: `static/css/a.css` and `themes/x/static/css/a.css`
    (or an absolute theme path) → `css/a.css`."""
    parts = PurePosixPath(rel.replace(os.sep, "/")).parts
    if "static" not in parts:
        return None
    index = len(parts) - 1 - list(reversed(parts)).index("static")
    rest = parts[index + 1:]
    return "/".join(rest) if rest else None


# -- request paths (pure) ---------------------------------------------------------------------------

MAX_URL = 2048
_PERCENT_HEX = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True)
class Target:
    """Where a request goes: `status` 200 (relative `parts` in the output), 301/302 (`location`), or an
    error status (400, 404)."""

    status: int
    parts: tuple[str, ...] = ()
    location: str = ""
    directory: bool = False


def resolve_target(raw: str, base_path: str) -> Target:
    """Decode a request target once and check every segment; never touches the file system.

    `..`/`.` segments (also as `%2e%2e`), encoded slashes that would form such segments, backslashes
    (`%5c`), control characters and NUL, double encoding (`%252e` decodes to `%2e`), absolute-form
    targets, and targets over 2048 characters are a 400. A path outside the base path is a 404; `/`
    redirects to the base path.
    """
    if len(raw) > MAX_URL or not raw.startswith("/") or raw.startswith("//"):
        return Target(400)
    path, _, query = raw.partition("?")
    path = path.partition("#")[0]
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Target(400)
    if _PERCENT_HEX.search(decoded) or "\\" in decoded or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return Target(400)
    segments = decoded.split("/")[1:]
    if any(seg in (".", "..") or ":" in seg for seg in segments) or any(seg == "" for seg in segments[:-1]):
        return Target(400)
    if decoded + "/" == base_path or decoded == "/" != base_path:
        return Target(302 if decoded == "/" else 301, location=base_path + (f"?{query}" if query else ""))
    if not decoded.startswith(base_path):
        return Target(404)
    parts = tuple(seg for seg in decoded[len(base_path):].split("/") if seg)
    return Target(200, parts, directory=decoded.endswith("/"))


def output_url(base_path: str, rel: str) -> str:
    """Output file → the URL a browser shows for it (`a/index.html` → `/base/a/`), percent-encoded."""
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return quote(base_path + rel, safe="/-._~!$&'()*+,;=:@")


# -- live-reload client and overlay ----------------------------------------------------------------

EVENTS_PATH = "/__kimsite/events"
SCRIPT_PATH = "/__kimsite/reload.js"

_CLIENT_JS = r"""(() => {
  const me = document.currentScript;
  const norm = (p) => p.replace(/\/index\.html$/, "/");
  const here = norm(location.pathname);
  const url = new URL(me.src.replace(/reload\.js.*$/, "events"));
  url.searchParams.set("gen", me.dataset.gen);
  url.searchParams.set("instance", me.dataset.instance);
  const es = new EventSource(url.pathname + url.search);
  window.kimsiteEvents = es;
  const pathOf = (u) => norm(new URL(u, location.href).pathname);
  function showOverlay(data) {
    let box = document.getElementById("kimsite-overlay");
    if (!box) {
      box = document.createElement("div");
      box.id = "kimsite-overlay";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = data.title;
    const pre = document.createElement("pre");
    pre.textContent = data.lines.join("\n");
    box.append(title, pre);
    style(box);
  }
  function style(box) {
    Object.assign(box.style, {position: "fixed", inset: "auto 0 0 0", maxHeight: "60vh", overflow: "auto",
      zIndex: "2147483647", background: "#fff4f4", color: "#5c0000", borderTop: "4px solid #b00020",
      padding: "1rem", font: "16px/1.4 system-ui, sans-serif", boxShadow: "0 -4px 16px rgba(0,0,0,.25)"});
    for (const pre of box.querySelectorAll("pre")) {
      Object.assign(pre.style, {whiteSpace: "pre-wrap", font: "15px/1.5 ui-monospace, monospace", margin: ".5rem 0 0"});
    }
  }
  const existing = document.getElementById("kimsite-overlay");
  if (existing) style(existing);
  es.addEventListener("buildfail", (e) => showOverlay(JSON.parse(e.data)));
  es.addEventListener("buildok", () => {
    const box = document.getElementById("kimsite-overlay");
    if (box) box.remove();
  });
  es.addEventListener("reload", (e) => {
    const changed = new Set(JSON.parse(e.data).urls.map(norm));
    if (changed.has("*") || changed.has(here)) { location.reload(); return; }
    const used = [...document.querySelectorAll("script[src], img[src], iframe[src]")].map((el) => pathOf(el.src));
    if (used.some((p) => changed.has(p))) { location.reload(); return; }
    for (const link of document.querySelectorAll('link[rel~="stylesheet"][href]')) {
      const u = new URL(link.href);
      if (changed.has(norm(u.pathname))) {
        u.searchParams.set("kimsite", Date.now().toString(36));
        link.href = u.href;
      }
    }
  });
})();
"""

# A service worker would cache pages and hide edits; the preview serves one that removes itself.
_KILL_SERVICE_WORKER = (
    "self.addEventListener('install', () => self.skipWaiting());\n"
    "self.addEventListener('activate', (e) => e.waitUntil(self.registration.unregister()));\n"
)

_TEXT = {
    "id": {
        "overlay": "Build gagal — perbaiki berkas berikut; pratinjau menampilkan hasil terakhir yang berhasil:",
        "no_build": "Belum ada hasil build yang berhasil. Perbaiki galatnya; halaman ini dimuat ulang sendiri.",
        "not_found": "Halaman tidak ditemukan.",
        "rebuilt": "dibangun ulang: {pages} halaman, {changed} berkas berubah, {seconds} dtk",
        "failed": "Build gagal: {errors} galat. Pratinjau tetap menampilkan hasil terakhir yang berhasil.",
        "serving": "Pratinjau: {url}",
        "lan": "Di ponsel (jaringan yang sama), buka {url} atau pindai kode QR ini:",
        "stop": "Tekan Ctrl+C untuk berhenti.",
        "stopped": "Pratinjau dihentikan.",
        "building": "Membangun situs… ({path})",
    },
    "en": {
        "overlay": "Build failed — fix the files below; the preview shows the last good build:",
        "no_build": "No successful build yet. Fix the errors above; this page reloads by itself.",
        "not_found": "Page not found.",
        "rebuilt": "rebuilt: {pages} pages, {changed} files changed, {seconds} s",
        "failed": "Build failed: {errors} error(s). The preview keeps showing the last good build.",
        "serving": "Preview: {url}",
        "lan": "On a phone (same network), open {url} or scan this QR code:",
        "stop": "Press Ctrl+C to stop.",
        "stopped": "Preview stopped.",
        "building": "Building the site… ({path})",
    },
}


def _text(lang: str, key: str, **params: object) -> str:
    return _TEXT.get(lang, _TEXT["id"])[key].format(**params)


def overlay_html(title: str, lines: Sequence[str]) -> str:
    """The overlay as served inside a page; every message is HTML-escaped."""
    body = "\n".join(html.escape(line) for line in lines)
    return (f'<div id="kimsite-overlay" role="alert"><strong>{html.escape(title)}</strong>'
            f"<pre>{body}</pre></div>")


def inject(page: bytes, snippet: str) -> bytes:
    """Insert `snippet` before the last `</body>` (or at the end): only into served bytes, never files."""
    index = page.lower().rfind(b"</body>")
    data = snippet.encode("utf-8")
    return page + data if index < 0 else page[:index] + data + page[index:]


# -- the server -----------------------------------------------------------------------------------

Log = Callable[[str], None]


@dataclass
class ServeOptions:
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    debounce: float = 0.1  # seconds of quiet before a rebuild
    save_quiet: float = 0.03  # seconds of quiet before a rebuild once a save has finished (close/rename)
    request_wait: float = 30.0  # how long a request waits for a build in progress
    watch: bool = True  # tests may drive `notify_paths` by hand


@dataclass
class BuildState:
    """What the server shows: the last good build and the errors of the latest build, if any."""

    generation: int = 0
    rendered: dict[str, bytes] = field(default_factory=dict)
    base_path: str = "/"
    has_output: bool = False
    errors: list[str] = field(default_factory=list)
    lang: str = "id"
    history: list[tuple[int, frozenset[str]]] = field(default_factory=list)


class PortInUse(UsageError):
    pass


class Server:
    """The preview server; `start()` builds once and serves in background threads, `stop()` undoes it all."""

    HISTORY = 50

    def __init__(self, options: ServeOptions, log: Log | None = None) -> None:
        self.options = options
        self.site_dir = Path(os.path.abspath(options.site_dir))
        self.log: Log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.instance = secrets.token_hex(4)
        self.kept = KeptBuild(private_output=True)  # builds go to our own temp folder
        self.state = BuildState()
        self.builds = 0  # completed build attempts (ok or failed)
        self.build_seconds: list[float] = []
        self.tmp: Path | None = None
        self.out_dir: Path | None = None
        self.httpd: ThreadingHTTPServer | None = None
        self.observer = None
        self._cond = threading.Condition()
        self._pending = ChangeSet()
        self._dirty = False
        self._building = False
        self._last_event = 0.0
        self._saved = False  # the pending changes include a finished save
        self._active_reads = 0
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._clients: set[queue.Queue[bytes | None]] = set()
        self._listeners: list[Callable[[str, dict], None]] = []
        self._watched: set[Path] = set()
        self._theme_dirs: tuple[Path, ...] = ()
        self.lan_ip = ""

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Server:
        """Bind (raises `PortInUse` / `UsageError`), build once, then watch and serve in threads."""
        lang = self._config_lang()
        try:
            self.httpd = _HTTPServer((self.options.host, self.options.port), _Handler, self)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse("serve.port_taken", lang, host=self.options.host, port=self.options.port) from exc
            raise UsageError("serve.bind_failed", lang, host=self.options.host, port=self.options.port,
                             detail=exc.strerror or str(exc)) from exc
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix="kimsite-serve-"))
            self.out_dir = self.tmp / "build"
            if self.bind_all:
                self.lan_ip = lan_address()
            if self.options.watch:
                self._start_observer()  # before the first build: a save during it is not lost
            self.log(_text(lang, "building", path=self.site_dir))
            self._build_now(ChangeSet())
            thread = threading.Thread(target=self._build_loop, name="kimsite-build", daemon=True)
            thread.start()
            self._threads.append(thread)
            thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                      name="kimsite-http", daemon=True)
            thread.start()
            self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop watching, finish the build thread, close every connection and remove the temp folder."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None
        for client in list(self._clients):
            client.put(None)
        if self.httpd is not None:
            if any(t.name == "kimsite-http" for t in self._threads):
                self.httpd.shutdown()
            self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        still_building = any(thread.is_alive() for thread in self._threads)
        self._threads.clear()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if still_building:  # a long build cannot be interrupted: clean up again when we exit
                atexit.register(shutil.rmtree, self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self.httpd is not None
        return int(self.httpd.server_address[1])

    @property
    def bind_all(self) -> bool:
        return self.options.host in ("0.0.0.0", "::", "")

    @property
    def public_host(self) -> str:
        """The host put in page URLs: the LAN address when serving on all interfaces."""
        host = (self.lan_ip or "127.0.0.1") if self.bind_all else self.options.host
        return f"[{host}]" if ":" in host else host

    @property
    def origin(self) -> str:
        return f"http://{self.public_host}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + self.state.base_path

    def allowed_host(self, host_header: str) -> bool:
        """DNS-rebinding guard: the Host must be the address we listen on (or a loopback name for a
        loopback server; any IP literal when listening on every interface), with our port."""
        host, _, port = host_header.rpartition(":")
        if not host or port != str(self.port):
            return False
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        listen = self.options.host
        if host == listen:
            return True
        if host == "localhost" and (self.bind_all or _is_loopback(listen)):
            return True
        if self.bind_all:
            try:
                ip_address(host)
            except ValueError:
                return False
            return True
        return False

    # -- events and builds -------------------------------------------------------------------------
    def notify_paths(self, paths: Iterable[str | Path], finished: bool = False) -> ChangeSet:
        """What the watchdog callback calls: classify, and wake the build thread if anything matters.
        `finished`: the event ends a save (closed after writing, renamed into place)."""
        changes = classify_events(paths, self.site_dir, self.out_dir, self._theme_dirs)
        if changes.needs_build:
            with self._cond:
                self._pending = self._pending.merge(changes)
                self._dirty = True
                self._saved = self._saved or finished
                self._last_event = time.monotonic()
                self._cond.notify_all()
        return changes

    @property
    def busy(self) -> bool:
        """A build is pending (waiting for quiet) or running."""
        with self._cond:
            return self._dirty or self._building

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no build is pending or running (tests, benchmarks)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._dirty and not self._building, timeout)

    def _build_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._dirty or self._stopping)
                while not self._stopping:
                    needed = self.options.save_quiet if self._saved else self.options.debounce
                    quiet = time.monotonic() - self._last_event
                    if quiet >= needed:
                        break
                    self._cond.wait(needed - quiet)
                if self._stopping:
                    return
                changes, self._pending, self._dirty, self._saved = self._pending, ChangeSet(), False, False
                self._building = True
                self._cond.wait_for(lambda: self._active_reads == 0, timeout=5)
            try:
                self._run_build(changes)
            finally:
                with self._cond:
                    self._building = False
                    self._cond.notify_all()

    def _build_now(self, changes: ChangeSet) -> None:
        with self._cond:
            self._building = True
        try:
            self._run_build(changes)
        finally:
            with self._cond:
                self._building = False
                self._cond.notify_all()

    def _config_lang(self) -> str:
        try:
            return load_config(self.site_dir).bahasa
        except Exception:  # a broken site.yaml is reported by the build itself
            return self.state.lang

    def _base_path(self) -> str:
        try:
            return load_config(self.site_dir).base_path
        except Exception:
            return self.state.base_path

    def _run_build(self, changes: ChangeSet) -> None:
        """One build; never raises: content errors and crashes end up in the overlay and the terminal."""
        assert self.out_dir is not None
        base_path = self._base_path()
        started = time.perf_counter()
        options = BuildOptions(site_dir=self.site_dir, out_dir=self.out_dir, base_url=self.origin + base_path,
                               drafts=self.options.drafts)
        try:
            try:
                result = self._quick_rebuild(options, changes) or build(options, kept=self.kept)
            finally:
                self.build_seconds.append(time.perf_counter() - started)  # build() alone, for benchmarks
        except KimsiteError as error:
            self._failed(list(error.diagnostics), error.lang)
        except UsageError as error:
            self._failed([make("kimsite", 0, error.key, "error", 0, **dict(error.params))], error.lang)
        except Exception as error:  # a bug must not kill the preview: show it and keep serving
            self.log("".join(traceback.format_exception(error)).rstrip())
            self._failed([make("kimsite", 0, "serve.internal", "error", 0,
                               detail=f"{type(error).__name__}: {error}")], self.state.lang)
        else:
            self._succeeded(result, changes, base_path, time.perf_counter() - started)
        finally:
            with self._cond:
                self.builds += 1

    def _quick_rebuild(self, options: BuildOptions, changes: ChangeSet) -> BuildResult | None:
        """Markdown files edited and nothing else: kimsite.quick rebuilds only what their bodies reach,
        or says None (front matter changed, a new file, …) and the full build runs."""
        if changes.kinds != {"content"} or not all(rel.endswith(".md") for rel in changes.content):
            return None
        try:
            return rebuild_bodies(options, self.kept, changes.content)
        except Exception:  # noqa: BLE001 - never worse than the full build, which then runs
            self.kept.last = None
            return None

    def _failed(self, diagnostics: list[Diagnostic], lang: str) -> None:
        lines = [format_diagnostic(d, lang) for d in diagnostics if d.path != "--base-url"]
        errors = sum(1 for d in diagnostics if d.level == "error")
        for line in lines:
            self.log(line)
        self.log(_text(lang, "failed", errors=errors))
        with self._cond:
            self.state.errors = lines
            self.state.lang = lang
        self._broadcast("buildfail", {"title": _text(lang, "overlay"), "lines": lines})

    def _succeeded(self, result: BuildResult, changes: ChangeSet, base_path: str, seconds: float) -> None:
        lang = result.config.bahasa
        for diag in result.warnings:
            if diag.path != "--base-url":
                self.log(format_diagnostic(diag, lang))
        old = self.state.rendered
        new = result.rendered
        changed_files = _changed_outputs(old, new)
        for rel in sorted(changes.static):
            target = static_output(rel)
            if target:
                changed_files.add(target)
        urls = {output_url(base_path, rel) for rel in changed_files}
        if (not self.state.has_output or base_path != self.state.base_path
                or any(not p.endswith(".md") for p in changes.content)):
            urls.add("*")  # first good build, moved site, or a changed photo: reload every page
        had_errors = bool(self.state.errors)
        with self._cond:
            state = self.state
            state.generation += 1
            state.rendered = new
            state.base_path = base_path
            state.has_output = True
            state.errors = []
            state.lang = lang
            state.history.append((state.generation, frozenset(urls)))
            del state.history[: -self.HISTORY]
            generation = state.generation
        self._watch_theme(result)
        if generation > 1:
            shown = f"{seconds:.2f}".replace(".", "," if lang == "id" else ".")
            self.log(time.strftime("%H:%M:%S ") + _text(lang, "rebuilt", pages=result.pages,
                                                           changed=len(changed_files), seconds=shown))
        if had_errors:
            self._broadcast("buildok", {})
        if urls:
            self._broadcast("reload", {"gen": generation, "urls": sorted(urls)})

    # -- browser notification ------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[str, dict], None]) -> None:
        """Call `listener(event, data)` on every event sent to browsers (benchmarks, tests)."""
        self._listeners.append(listener)

    def _broadcast(self, event: str, data: dict) -> None:
        message = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
        with self._cond:
            clients = list(self._clients)
        for client in clients:
            client.put(message)
        for listener in list(self._listeners):
            listener(event, data)

    def subscribe(self, generation: int, instance: str) -> queue.Queue[bytes | None]:
        """A queue of SSE messages, starting with what the page missed since it was served."""
        client: queue.Queue[bytes | None] = queue.Queue()
        with self._cond:
            state = self.state
            if state.errors:
                payload = {"title": _text(state.lang, "overlay"), "lines": state.errors}
                client.put(f"event: buildfail\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())
            missed: set[str] = set()
            if instance != self.instance or generation > state.generation or (
                    state.history and generation < state.history[0][0] - 1):
                missed.add("*")
            else:
                for gen, urls in state.history:
                    if gen > generation:
                        missed |= urls
            if missed:
                payload = {"gen": state.generation, "urls": sorted(missed)}
                client.put(f"event: reload\ndata: {json.dumps(payload)}\n\n".encode())
            self._clients.add(client)
        return client

    def unsubscribe(self, client: queue.Queue[bytes | None]) -> None:
        with self._cond:
            self._clients.discard(client)

    # -- serving -------------------------------------------------------------------------------------
    def read_for_request(self, parts: tuple[str, ...], directory: bool) -> tuple[str, bytes] | str | None:
        """(file name, bytes) of a file in the output; "dir" when a folder was asked without its `/`;
        None when there is no such file. Waits while a build is pending or running."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or not (self._dirty or self._building),
                                self.options.request_wait)
            self._active_reads += 1
        try:
            return self._read(parts, directory)
        finally:
            with self._cond:
                self._active_reads -= 1
                self._cond.notify_all()

    def _read(self, parts: tuple[str, ...], directory: bool) -> tuple[str, bytes] | str | None:
        if self.out_dir is None or not self.state.has_output:
            return None
        root = self.out_dir.resolve()
        candidate = root.joinpath(*parts)
        if candidate.is_dir():
            if not directory and parts:
                return "dir"
            candidate = candidate / "index.html"
        elif directory:
            return None
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(root) or not real.is_file():
            return None  # a symlink out of the output, or a special file
        try:
            return real.name, real.read_bytes()
        except OSError:
            return None

    def page_snippet(self) -> str:
        """What every served HTML page gets: the reload script, and the overlay when the build failed."""
        with self._cond:
            state = self.state
            generation, errors, lang = state.generation, list(state.errors), state.lang
        snippet = (f'<script src="{SCRIPT_PATH}" data-gen="{generation}" data-instance="{self.instance}" '
                   'defer></script>')
        if errors:
            snippet = overlay_html(_text(lang, "overlay"), errors) + snippet
        return snippet

    # -- watching ------------------------------------------------------------------------------------
    def _start_observer(self) -> None:
        from watchdog.observers import Observer

        self.observer = Observer()
        self.observer.schedule(_WatchHandler(self), str(self.site_dir), recursive=False)
        self.observer.start()
        self._ensure_watches()

    def _ensure_watches(self) -> None:
        """Watch each source folder (again, when it appears later) and any theme outside the site."""
        if self.observer is None:
            return
        wanted = [self.site_dir / name for name in ("content", "data", "static", "themes")]
        wanted += [t for t in self._theme_dirs if not t.is_relative_to(self.site_dir)]
        for folder in wanted:
            if folder not in self._watched and folder.is_dir():
                try:
                    self.observer.schedule(_WatchHandler(self), str(folder), recursive=True)
                    self._watched.add(folder)
                except OSError as exc:  # e.g. out of inotify watches: say so, keep serving
                    self.log(f"kimsite: {folder}: {exc}")

    def _watch_theme(self, result: BuildResult) -> None:
        try:
            from kimsite.theme import load_theme

            self._theme_dirs = tuple(Path(os.path.abspath(f)) for f in load_theme(self.site_dir, result.config).folders)
        except Exception:
            return
        self._ensure_watches()


def _changed_outputs(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> set[str]:
    """Outputs whose bytes differ between two builds, or that exist in one of them only. A kept output is
    the very bytes object of the last build, so identity answers for most without comparing or reading."""
    old_held = old.held() if isinstance(old, OutputFiles) else old
    new_held = new.held() if isinstance(new, OutputFiles) else new
    changed = set()
    for rel, value in new_held.items():
        before = old_held.get(rel)
        if type(value) is bytes and type(before) is bytes:
            if before == value:  # bytes compare identical objects without reading them
                continue
        elif before is not None and old[rel] == new[rel]:  # a file in each build's folder: read both
            continue
        changed.add(rel)
    changed |= old.keys() - new.keys()
    return changed


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


class _WatchHandler:
    """watchdog handler: records paths and wakes the build thread; never builds itself."""

    _RELEVANT = frozenset({"created", "modified", "deleted", "moved", "closed"})

    def __init__(self, server: Server) -> None:
        self.server = server

    def dispatch(self, event: object) -> None:
        kind = getattr(event, "event_type", "")
        if kind not in self._RELEVANT or (kind == "modified" and getattr(event, "is_directory", False)):
            return  # reads (opened, closed_no_write) and folder mtime changes are not edits
        paths = [os.fsdecode(event.src_path)]  # type: ignore[attr-defined]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(os.fsdecode(dest))
        changes = self.server.notify_paths(paths, finished=kind in ("closed", "moved"))
        if getattr(event, "is_directory", False) and kind in ("created", "moved") and changes.needs_build:
            self.server._ensure_watches()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: Server) -> None:
        self.app = app
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.0"
    timeout = 30

    def version_string(self) -> str:
        return "kimsite"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        return  # the terminal shows builds and errors, not every request

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._method_not_allowed  # every method except GET and HEAD
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        self._simple(HTTPStatus.METHOD_NOT_ALLOWED, "Metode tidak diizinkan / method not allowed",
                     {"Allow": "GET, HEAD"})

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    # -- dispatch ------------------------------------------------------------------------------------
    def _serve(self, head: bool) -> None:
        app = self.server.app
        raw = self.path
        if raw.split("?", 1)[0] == EVENTS_PATH:
            return self._events(head)
        if raw.split("?", 1)[0] == SCRIPT_PATH:
            return self._send(200, "text/javascript; charset=utf-8", _CLIENT_JS.encode(), head)
        target = resolve_target(raw, app.state.base_path)
        if target.status == 400:
            return self._simple(HTTPStatus.BAD_REQUEST, "Permintaan tidak valid / bad request", head=head)
        if target.status in (301, 302):
            return self._simple(HTTPStatus(target.status), target.location, {"Location": target.location}, head)
        if target.status == 404:
            return self._not_found(head)
        if target.parts == ("sw.js",):
            return self._send(200, "text/javascript; charset=utf-8", _KILL_SERVICE_WORKER.encode(), head)
        if not app.state.has_output:
            return self._no_build_yet(head)
        found = app.read_for_request(target.parts, target.directory)
        if found == "dir":
            location = quote(app.state.base_path + "/".join(target.parts) + "/")
            return self._simple(HTTPStatus.MOVED_PERMANENTLY, location, {"Location": location}, head)
        if not isinstance(found, tuple):
            return self._not_found(head)
        name, data = found
        self._send(200, _content_type(name), data, head)

    def _not_found(self, head: bool) -> None:
        app = self.server.app
        page = app.read_for_request(("404.html",), False) if app.state.has_output else None
        if isinstance(page, tuple):
            return self._send(404, "text/html; charset=utf-8", page[1], head)
        text = _text(app.state.lang, "not_found")
        body = f"<!doctype html><meta charset=utf-8><title>404</title><h1>404</h1><p>{text}</p></body>"
        self._send(404, "text/html; charset=utf-8", body.encode(), head)

    def _no_build_yet(self, head: bool) -> None:
        app = self.server.app
        text = _text(app.state.lang, "no_build")
        body = f"<!doctype html><meta charset=utf-8><title>kimsite</title><p>{html.escape(text)}</p></body>"
        self._send(500, "text/html; charset=utf-8", body.encode(), head)

    # -- responses -----------------------------------------------------------------------------------
    def _send(self, status: int, content_type: str, data: bytes, head: bool,
              headers: dict[str, str] | None = None) -> None:
        if content_type.startswith("text/html"):
            data = inject(data, self.server.app.page_snippet())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _simple(self, status: HTTPStatus, text: str, headers: dict[str, str] | None = None,
                head: bool = False) -> None:
        data = f"{int(status)} {status.phrase}: {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self, head: bool) -> None:
        """Server-Sent Events, same origin only, and only for a Host we listen on (DNS rebinding)."""
        app = self.server.app
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin")
        if not app.allowed_host(host) or (origin is not None and origin != f"http://{host}"):
            return self._simple(HTTPStatus.FORBIDDEN, "Host/Origin tidak diizinkan / not allowed", head=head)
        query = self.path.partition("?")[2]
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        generation = int(params["gen"]) if params.get("gen", "").isdigit() else 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        client = app.subscribe(generation, params.get("instance", ""))
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                try:
                    message = client.get(timeout=15)
                except queue.Empty:
                    message = b": ping\n\n"  # finds closed connections
                if message is None:
                    break
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass
        finally:
            app.unsubscribe(client)
            self.close_connection = True


def _content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".webmanifest"):
        guessed = "application/manifest+json"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json", "image/svg+xml",
                                                  "application/xml", "application/atom+xml",
                                                  "application/manifest+json"):
        return f"{guessed}; charset=utf-8"
    return guessed


# -- command line ----------------------------------------------------------------------------------

def print_qr(url: str, out: object = None) -> None:
    """A QR code of `url` in the terminal, for a phone on the same network."""
    import segno

    code = segno.make(url, error="m")
    try:
        code.terminal(out=out or sys.stdout, compact=True)  # half-height blocks: fits a small terminal
    except TypeError:  # segno < 1.6 has no compact output
        code.terminal(out=out or sys.stdout)


def serve_command(site_dir: Path, host: str, port: int, open_browser: bool, drafts: bool, lan: bool,
                  echo: Log) -> int:
    """`kimsite serve`: run until Ctrl-C; returns the exit code (2 when the port cannot be used)."""
    import signal

    if lan and host == "127.0.0.1":
        host = "0.0.0.0"
    server = Server(ServeOptions(site_dir=site_dir, host=host, port=port, drafts=drafts), log=echo)
    try:
        server.start()
    except UsageError as error:
        echo(f"kimsite: {error}")
        return 2
    lang = server.state.lang
    try:
        echo(_text(lang, "serving", url=server.url))
        if server.bind_all:
            echo(_text(lang, "lan", url=server.url))
            print_qr(server.url)
        echo(_text(lang, "stop"))
        if open_browser:
            import webbrowser

            local = server.url.replace(server.origin, f"http://127.0.0.1:{server.port}") \
                if server.bind_all else server.url
            webbrowser.open(local)
        def interrupt(*_args: object) -> None:
            raise KeyboardInterrupt  # `kill` stops the preview as cleanly as Ctrl-C

        # SIGINT too: a shell may start us with Ctrl-C ignored (`&`), and `kill -INT` must still work.
        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while True:
                time.sleep(3600)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    echo(_text(lang, "stopped"))
    return 0


__all__ = ["ChangeSet", "Server", "ServeOptions", "Target", "classify_events", "inject", "output_url",
           "overlay_html", "resolve_target", "serve_command", "static_output"]
