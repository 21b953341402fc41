"""Shared real-browser helpers: Debian's Chromium through Playwright, a local static server, tools.

Import the fixtures into a test module (`from browser import chromium_browser  # noqa: F401`)
or call the plain functions. Nothing here downloads anything: Playwright drives /usr/bin/chromium
(never `playwright install`), Lighthouse and axe-core come from `tools/node_modules` (npm ci).
Tests that need a missing tool are skipped with the reason, never silently passed.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tools" / "node_modules"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIGHTHOUSE = TOOLS / ".bin" / "lighthouse"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files like GitHub Pages serves them: gzip for text when the browser asks for it."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the stdlib redirects /dir to /dir/
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(folder: Path, port: int | None = None) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a thread); yields the base URL `http://127.0.0.1:PORT`."""
    def handler(*args, **kwargs):  # type: ignore[no-untyped-def]
        return _Handler(*args, directory=str(folder), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def have_chromium() -> bool:
    return Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is not None


def require(path: Path, what: str) -> None:
    if not path.exists():
        pytest.skip(f"{what} is not installed ({path}); run `npm ci --prefix tools` (scripts/test does)")


@pytest.fixture(scope="session")
def chromium_browser(playwright):  # type: ignore[no-untyped-def]
    """One headless Debian Chromium for the whole session, on pytest-playwright's `playwright`
    fixture: a second `sync_playwright()` in the same process would fail while that one is alive."""
    if not have_chromium():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
    yield instance
    instance.close()


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core (npm, tools/) on the loaded page: WCAG 2.0–2.2 A/AA plus best practices."""
    require(AXE_JS, "axe-core")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return result["violations"]


def chrome_flags() -> str:
    return " ".join(["--headless=new", *CHROME_ARGS])
