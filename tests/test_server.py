"""`kimsite serve`: change classifier, debounce, editor save patterns, safe serving, overlay, shutdown.

Every server test starts a real `Server` in-process on port 0 (a fresh temp output folder, real
watchdog unless stated) and always stops it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from sitetools import SOURCE_DATE_EPOCH, build_site, make_site, tree_bytes
from watchdog.events import (
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileModifiedEvent,
    FileOpenedEvent,
)

import kimsite.server as server_module
from kimsite.cli import main
from kimsite.server import (
    ChangeSet,
    PortInUse,
    ServeOptions,
    Server,
    _WatchHandler,
    classify_events,
    inject,
    output_url,
    overlay_html,
    resolve_target,
    static_output,
)

UMKM_MD = "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
UMKM_URL = "/uji/kelurahan/purwantoro/umkm/keripik-tempe/"
ORIGINAL_BODY = "Keripik tempe renyah buatan rumah"


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)


# -- helpers ---------------------------------------------------------------------------------------

@contextmanager
def running(site: Path, **options: object) -> Iterator[Server]:
    logs: list[str] = []
    server = Server(ServeOptions(site_dir=site, port=0, **options), log=logs.append)  # type: ignore[arg-type]
    server.logs = logs  # type: ignore[attr-defined]
    server.start()
    try:
        yield server
    finally:
        server.stop()


def settle(server: Server, quiet: float = 0.6, timeout: float = 30) -> None:
    """Wait until no build is pending or running and none has started for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last_builds, last_change = server.builds, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if server.busy or server.builds != last_builds:
            last_builds, last_change = server.builds, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return
    raise AssertionError("the server never settled")


def request(server: Server, target: str, method: str = "GET", headers: dict[str, str] | None = None,
            body_limit: int | None = None) -> tuple[int, dict[str, str], bytes]:
    """A raw HTTP request (the target is sent exactly as given); returns status, headers, body."""
    host_headers = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in host_headers.items()]
    lines.append("Connection: close")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if body_limit is not None and b"\r\n\r\n" in data:
                break  # a stream (SSE): the headers are enough
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), parsed, body


def get_html(server: Server, url: str) -> BeautifulSoup:
    status, _, body = request(server, url)
    assert status == 200, (url, status, body[:300])
    return BeautifulSoup(body.decode("utf-8"), "html.parser")


def replace_body(text: str, new_body: str) -> str:
    _, front, _ = text.split("---\n", 2)
    return f"---\n{front}---\n{new_body}\n"


class Events:
    """Records what the server sends to browsers."""

    def __init__(self, server: Server) -> None:
        self.items: list[tuple[str, dict]] = []
        server.add_listener(lambda event, data: self.items.append((event, data)))

    def of(self, kind: str) -> list[dict]:
        return [data for event, data in self.items if event == kind]


# -- the classifier (pure) ----------------------------------------------------------------------------

@pytest.mark.parametrize(("rel", "kind"), [
    ("content/kelurahan/x/umkm/a.md", "content"),
    ("content/kelurahan/x/umkm/foto.jpg", "content"),
    ("content/kelurahan/x", "content"),  # a folder renamed or deleted
    ("themes/default/templates/umkm.html", "template"),
    ("themes/default/templates/partials/umkm_card.html", "template"),
    ("themes/default/i18n/id.yaml", "template"),
    ("themes/anak/tema.yaml", "template"),
    ("themes/default/static/css/kimsite.css", "static"),
    ("static/css/tambahan.css", "static"),
    ("static/gambar/logo.png", "static"),
    ("site.yaml", "config"),
    ("data/wilayah.csv", "data"),
    # editor files, hidden files and anything else: ignored
    ("content/kelurahan/x/umkm/.a.md.swp", "ignored"),
    ("content/kelurahan/x/umkm/.a.md.swx", "ignored"),
    ("content/kelurahan/x/umkm/a.md~", "ignored"),
    ("content/kelurahan/x/umkm/4913", "ignored"),
    ("content/kelurahan/x/umkm/.#a.md", "ignored"),
    ("content/kelurahan/x/umkm/#a.md#", "ignored"),
    ("themes/default/templates/.umkm.html.swp", "ignored"),
    ("static/css/kimsite.css~", "ignored"),
    ("site.yaml~", "ignored"),
    (".site.yaml.swp", "ignored"),
    (".git/index", "ignored"),
    (".git/objects/ab/cdef", "ignored"),
    (".kimsite-cache/build.json", "ignored"),
    ("content/.git/HEAD", "ignored"),
    ("README.md", "ignored"),
    ("kimsite/server.py", "ignored"),
    ("build/index.html", "ignored"),
    (".build.kimsite-tmp-123/index.html", "ignored"),
])
def test_classify_single_paths(tmp_path: Path, rel: str, kind: str) -> None:
    site = tmp_path / "situs"
    changes = classify_events([site / rel], site, site / "build")
    assert getattr(changes, kind) == {rel}
    assert changes.needs_build is (kind != "ignored")
    other_kinds = {"content", "template", "static", "config", "data", "ignored"} - {kind}
    assert all(not getattr(changes, other) for other in other_kinds)


def test_classify_output_folder_anywhere_and_outside_paths(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    out = site / "content" / "keluaran"  # even an output folder inside content/ is never a source
    changes = classify_events([out / "index.html", out, tmp_path / "lain" / "x.md", site], site, out)
    assert not changes.needs_build
    assert len(changes.ignored) == 4


def test_classify_theme_outside_site_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "situs"
    theme = tmp_path / "pkg" / "themes" / "default"
    changes = classify_events([theme / "templates" / "base.html", theme / "static" / "css" / "k.css",
                               theme / "templates" / ".base.html.swp"], site, None, [theme])
    assert changes.template == {str(theme / "templates" / "base.html")}
    assert changes.static == {str(theme / "static" / "css" / "k.css")}
    assert len(changes.ignored) == 1
    monkeypatch.chdir(tmp_path)
    relative = classify_events(["situs/content/a.md", "situs/site.yaml"], Path("situs"), Path("situs/build"))
    assert relative.content == {"content/a.md"} and relative.config == {"site.yaml"}


def test_classify_a_mixed_burst_and_merge(tmp_path: Path) -> None:
    site = tmp_path / "situs"
    paths = [site / "content" / f"k/umkm/u{i}.md" for i in range(300)]
    paths += [site / "content" / f"k/umkm/.u{i}.md.swp" for i in range(100)]
    paths += [site / "site.yaml", site / "themes/default/templates/umkm.html", site / ".git/index"]
    changes = classify_events(paths, site, site / "build")
    assert len(changes.content) == 300 and len(changes.ignored) == 101
    assert changes.kinds == {"content", "config", "template"}
    merged = ChangeSet(static=frozenset({"static/a.css"})).merge(changes)
    assert merged.kinds == {"content", "config", "template", "static"}
    assert not ChangeSet(ignored=frozenset({"x~"})).needs_build


def test_static_output_mapping() -> None:
    assert static_output("static/css/a.css") == "css/a.css"
    assert static_output("themes/default/static/css/kimsite.css") == "css/kimsite.css"
    assert static_output("/usr/lib/kimsite/themes/default/static/favicon.svg") == "favicon.svg"
    assert static_output("content/a.md") is None


# -- request paths (pure) ------------------------------------------------------------------------------

TRAVERSAL = [
    "/uji/../site.yaml", "/uji/../../etc/passwd", "/uji/%2e%2e/%2e%2e/etc/passwd", "/uji/%2E%2E/site.yaml",
    "/uji/..%2f..%2fsite.yaml", "/uji/..%2F..%2Fetc%2Fpasswd", "/uji/%2e%2e%2f%2e%2e%2fsite.yaml",
    "/uji/..%5c..%5csite.yaml", "/uji/..\\..\\site.yaml", "/uji/%252e%252e/%252e%252e/site.yaml",
    "/uji/%252e%252e%252fsite.yaml", "/uji/index.html%00.css", "/uji/%00", "/uji/./index.html",
    "/uji//etc/passwd", "//etc/passwd", "/uji/%c0%ae%c0%ae/site.yaml", "/uji/..", "/uji/%2e%2e",
    "/uji/C:/Windows/win.ini", "http://evil.example/uji/", "/uji/" + "a/" * 1100, "/uji/%0d%0aSet-Cookie:x=1",
]


@pytest.mark.parametrize("target", TRAVERSAL)
def test_resolve_target_rejects_traversal_shapes(target: str) -> None:
    assert resolve_target(target, "/uji/").status == 400


def test_resolve_target_normal_paths() -> None:
    assert resolve_target("/", "/uji/") == resolve_target("/", "/uji/").__class__(302, location="/uji/")
    assert resolve_target("/?a=1", "/uji/").location == "/uji/?a=1"
    assert resolve_target("/uji", "/uji/").status == 301
    assert resolve_target("/lain/", "/uji/").status == 404
    ok = resolve_target("/uji/kelurahan/purwantoro/?x=1#y", "/uji/")
    assert (ok.status, ok.parts, ok.directory) == (200, ("kelurahan", "purwantoro"), True)
    assert resolve_target("/uji/css/kimsite.css", "/uji/").parts == ("css", "kimsite.css")
    assert resolve_target("/", "/").parts == () and resolve_target("/", "/").status == 200
    assert resolve_target("/caf%C3%A9/", "/").parts == ("café",)


def test_output_url_and_inject_and_overlay_escape() -> None:
    assert output_url("/uji/", "index.html") == "/uji/"
    assert output_url("/uji/", "kelurahan/a/index.html") == "/uji/kelurahan/a/"
    assert output_url("/", "css/kimsite.css") == "/css/kimsite.css"
    assert inject(b"<html><BODY>x</BODY></html>", "<i>") == b"<html><BODY>x<i></BODY></html>"
    assert inject(b"no body", "<i>") == b"no body<i>"
    box = BeautifulSoup(overlay_html("Build <gagal>", ["a.md:3: kunci `<img src=x onerror=1>`"]), "html.parser")
    assert box.find("img") is None and "<img src=x onerror=1>" in box.pre.get_text()


# -- serving ---------------------------------------------------------------------------------------

def test_serves_under_base_path_with_script_only_in_responses(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with running(site) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/uji/"
        status, headers, _ = request(server, "/")
        assert (status, headers["location"]) == (302, "/uji/")
        assert request(server, "/uji")[1]["location"] == "/uji/"
        assert request(server, "/uji/kelurahan/purwantoro")[1]["location"] == "/uji/kelurahan/purwantoro/"
        html = get_html(server, UMKM_URL)
        assert ORIGINAL_BODY in html.get_text()
        scripts = [s["src"] for s in html.find_all("script", src=True)]
        assert "/__kimsite/reload.js" in scripts
        assert server.out_dir is not None and server.out_dir.is_relative_to(server.tmp)
        built = (server.out_dir / "kelurahan/purwantoro/umkm/keripik-tempe/index.html").read_bytes()
        assert b"__kimsite" not in built  # never written into files
        assert not (site / "build").exists()  # the user's build/ is left alone
        status, headers, body = request(server, "/uji/css/kimsite.css")
        assert status == 200 and headers["content-type"].startswith("text/css") and b"__kimsite" not in body
        assert headers["cache-control"] == "no-store"
        status, headers, body = request(server, "/uji/tidak-ada/")
        assert status == 404 and b"/__kimsite/reload.js" in body
        js_status, js_headers, js = request(server, "/__kimsite/reload.js")
        assert js_status == 200 and b"EventSource" in js and js_headers["content-type"].startswith("text/javascript")


def test_head_and_methods(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with running(site) as server:
        status, headers, body = request(server, UMKM_URL, "HEAD")
        full = request(server, UMKM_URL)[2]
        assert status == 200 and body == b"" and int(headers["content-length"]) == len(full)
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO"):
            status, headers, _ = request(server, UMKM_URL, method)
            assert status == 405, method
            assert headers["allow"] == "GET, HEAD"


def test_traversal_never_leaves_the_output_and_the_server_survives(tmp_path: Path) -> None:
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/rahasia-sumber.txt --
    RAHASIA-SUMBER
    """)
    (tmp_path / "secret.txt").write_text("RAHASIA-LUAR", encoding="utf-8")
    with running(site) as server:
        assert server.tmp is not None and server.out_dir is not None
        (server.tmp / "secret.txt").write_text("RAHASIA-TEMP", encoding="utf-8")
        # symlinks planted inside the served folder must not lead out of it
        (server.out_dir / "tautan.txt").symlink_to(tmp_path / "secret.txt")
        (server.out_dir / "folder-luar").symlink_to(tmp_path)
        (server.out_dir / "kosong").mkdir()
        targets = TRAVERSAL + [
            "/uji/tautan.txt", "/uji/folder-luar/secret.txt", "/uji/folder-luar/site/site.yaml", "/uji/kosong/",
            "/uji/folder-luar/", "/uji/../secret.txt", "/uji/%2e%2e/secret.txt", "/uji/..%2fsecret.txt",
            "/../secret.txt", "/%2e%2e/secret.txt", "/uji/%252e%252e/secret.txt", "/uji/secret.txt%00.html",
            "/uji/" + "%2e%2e/" * 20 + "etc/passwd", "/uji/.." + "/.." * 30 + "/etc/passwd",
        ]
        for target in targets:
            status, _, body = request(server, target)
            assert status in (400, 404), (target, status)
            for secret in (b"RAHASIA", b"root:x:0", b"nama: Situs Uji", b"Index of"):
                assert secret not in body, (target, secret)
        # an over-long request line and raw bytes don't kill it either
        assert request(server, "/uji/" + "a" * 5000)[0] == 400
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /uji/\x00\xff\xfe HTTP/1.1\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.")
        assert request(server, UMKM_URL)[0] == 200  # still serving


def test_events_endpoint_checks_host_and_origin(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with running(site) as server:
        port = server.port
        bad = [
            {"Host": f"evil.example:{port}"},  # DNS rebinding: a foreign name pointing at us
            {"Host": f"127.0.0.1.evil.example:{port}"},
            {"Host": "127.0.0.1:1"},
            {"Host": "127.0.0.1"},
            {"Host": ""},
            {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"},
            {"Host": f"127.0.0.1:{port}", "Origin": f"http://evil.example:{port}"},
            {"Host": f"127.0.0.1:{port}", "Origin": "null"},
        ]
        for headers in bad:
            status, _, _ = request(server, "/__kimsite/events", headers=headers, body_limit=0)
            assert status == 403, headers
        for headers in ({"Host": f"127.0.0.1:{port}"}, {"Host": f"localhost:{port}"},
                        {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}):
            status, response, _ = request(server, "/__kimsite/events", headers=headers, body_limit=0)
            assert status == 200 and response["content-type"].startswith("text/event-stream"), headers


def test_lan_host_check_accepts_ip_literals_only() -> None:
    server = Server(ServeOptions(site_dir=Path("."), host="0.0.0.0", port=0))
    server.httpd = type("Fake", (), {"server_address": ("0.0.0.0", 8123)})()  # type: ignore[assignment]
    assert server.allowed_host("192.168.1.20:8123") and server.allowed_host("[fe80::1]:8123")
    assert server.allowed_host("localhost:8123")
    assert not server.allowed_host("evil.example:8123") and not server.allowed_host("192.168.1.20:80")


def test_port_taken_gives_a_clear_message_and_exit_2(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse):
            Server(ServeOptions(site_dir=site, port=port)).start()
        result = CliRunner().invoke(main, ["serve", str(site), "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port}" in result.output and "--port 0" in result.output
    assert "Traceback" not in result.output


def test_serve_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for text in ("--port", "--lan", "--open", "--drafts", "--host", "kimsite serve --lan"):
        assert text in result.output


def test_stop_cleans_up_everything(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    server = Server(ServeOptions(site_dir=site, port=0), log=lambda _m: None).start()
    port, tmp = server.port, server.tmp
    assert tmp is not None and tmp.is_dir()
    events = socket.create_connection(("127.0.0.1", port), timeout=5)  # an open SSE connection
    events.sendall(f"GET /__kimsite/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert events.recv(1000).startswith(b"HTTP/1.0 200")
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    assert not tmp.exists()
    assert not any(t.name.startswith("kimsite-") and t.is_alive() for t in threading.enumerate())
    events.settimeout(5)
    rest = b""
    while chunk := events.recv(1000):  # the server closed the stream instead of leaving it hanging
        rest += chunk
    events.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# -- rebuilds -------------------------------------------------------------------------------------------

def test_edit_rebuilds_and_sends_only_changed_urls(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with running(site) as server:
        events = Events(server)
        builds = server.builds
        md = site / UMKM_MD
        md.write_text(replace_body(md.read_text(encoding="utf-8"), "Isi baru: keripik pedas level 5."),
                      encoding="utf-8")
        settle(server)
        assert server.builds == builds + 1
        assert "Isi baru: keripik pedas level 5." in get_html(server, UMKM_URL).get_text()
        (reload,) = events.of("reload")
        assert UMKM_URL in reload["urls"] and "*" not in reload["urls"]
        assert "/uji/kecamatan/klojen/" not in reload["urls"]  # a page that does not show this UMKM
        assert len(reload["urls"]) < len(server.state.rendered)


def test_css_only_change_names_only_the_stylesheet(tmp_path: Path) -> None:
    site = make_site(tmp_path, """
    -- static/css/tambahan.css --
    body { color: black; }
    """)
    with running(site) as server:
        events = Events(server)
        (site / "static/css/tambahan.css").write_text("body { color: navy; }\n", encoding="utf-8")
        settle(server)
        (reload,) = events.of("reload")
        assert "/uji/css/tambahan.css" in reload["urls"]
        pages = [url for url in reload["urls"] if url.endswith(("/", ".html")) or url == "*"]
        assert pages == []  # no page changed: the browser swaps the stylesheet instead of reloading
        assert request(server, "/uji/css/tambahan.css")[2] == b"body { color: navy; }\n"


def test_unchanged_markdown_is_not_rendered_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/umkm/tahu.md --
    ---
    nama: Tahu Bu Rini
    kategori: kuliner
    kontak:
      whatsapp: "0812-0000-1111"
    diperbarui: 2026-10-01
    ---
    Tahu goreng.
    """)
    from kimsite import build as build_module

    rendered: list[str] = []
    renderer = build_module._renderer()
    original = renderer.render
    monkeypatch.setattr(renderer, "render", lambda body, ctx: rendered.append(body) or original(body, ctx))
    with running(site, watch=False) as server:
        first = list(rendered)
        assert len(first) >= 3
        rendered.clear()
        md = site / UMKM_MD
        md.write_text(replace_body(md.read_text(encoding="utf-8"), "Hanya ini yang berubah."), encoding="utf-8")
        server.notify_paths([md])
        settle(server, quiet=0.3)
        assert rendered == ["Hanya ini yang berubah.\n"]


def test_burst_of_500_events_gives_at_most_two_builds_and_a_clean_result(tmp_path: Path) -> None:
    spec = "".join(f"""
-- content/kelurahan/purwantoro/umkm/usaha-{i:03d}.md --
---
nama: Usaha {i:03d}
kategori: kuliner
kontak:
  whatsapp: "0812-3456-{i:04d}"
diperbarui: 2026-10-01
---
Versi 1 usaha {i:03d}.
""" for i in range(100))
    site = make_site(tmp_path, spec)
    with running(site, watch=False) as server:
        handler = _WatchHandler(server)  # what the observer calls, fed by hand
        builds = server.builds
        paths = sorted((site / "content/kelurahan/purwantoro/umkm").glob("usaha-*.md"))
        for round_ in range(5):  # 500 events, as a `git checkout` makes, each a real change
            for path in paths:
                handler.dispatch(FileOpenedEvent(str(path)))  # reads and no-write closes are not edits
                handler.dispatch(FileClosedNoWriteEvent(str(path)))
                path.write_text(path.read_text(encoding="utf-8").replace(f"Versi {round_ + 1}", f"Versi {round_ + 2}"),
                                encoding="utf-8")
                handler.dispatch(FileModifiedEvent(str(path)))
        settle(server, quiet=0.4)
        assert 1 <= server.builds - builds <= 2
        assert server.out_dir is not None
        served = tree_bytes(server.out_dir)
        base = f"http://127.0.0.1:{server.port}/uji/"
    clean = build_site(site, "-o", str(tmp_path / "bersih"), "--base-url", base)
    assert clean.exit_code == 0, clean.output
    assert served == tree_bytes(tmp_path / "bersih")
    assert b"Versi 6 usaha 042." in served["kelurahan/purwantoro/umkm/usaha-042/index.html"]


def test_real_burst_of_file_writes_gives_at_most_two_builds(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    folder = site / "content/kelurahan/purwantoro/umkm"
    with running(site) as server:
        builds = server.builds
        for i in range(250):  # like a checkout: 250 new files, each written, plus the folder events
            (folder / f"baru-{i:03d}.md").write_text(
                f"---\nnama: Baru {i:03d}\nkategori: jasa\nkontak:\n  whatsapp: \"0812-3456-{i:04d}\"\n"
                f"diperbarui: 2026-10-01\n---\nUsaha baru {i:03d}.\n", encoding="utf-8")
        for i in range(0, 250, 2):
            (folder / f"baru-{i:03d}.md").unlink()
        settle(server)
        assert 1 <= server.builds - builds <= 2
        assert server.out_dir is not None
        served = tree_bytes(server.out_dir)
        base = f"http://127.0.0.1:{server.port}/uji/"
    clean = build_site(site, "-o", str(tmp_path / "bersih"), "--base-url", base)
    assert clean.exit_code == 0, clean.output
    assert served == tree_bytes(tmp_path / "bersih")
    assert "kelurahan/purwantoro/umkm/baru-249/index.html" in served
    assert "kelurahan/purwantoro/umkm/baru-248/index.html" not in served


def _write_in_place(md: Path, text: str) -> None:
    with open(md, "w", encoding="utf-8") as handle:  # truncate, then write in two parts
        handle.write(text[:20])
        handle.flush()
        time.sleep(0.01)
        handle.write(text[20:])


def _write_temp_then_rename(md: Path, text: str) -> None:
    temp = md.with_name(f".{md.name}.tmp-4821")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, md)


def _write_plain_temp_then_rename(md: Path, text: str) -> None:
    temp = md.parent / "tmpq8w2k1z"  # an atomic writer's temp name that looks like nothing special
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, md)


def _write_like_vim(md: Path, text: str) -> None:
    """vim with the default backupcopy=auto: swap file, the 4913 probe, rename to a backup, write new."""
    swap = md.with_name(f".{md.name}.swp")
    swap.write_bytes(b"b0VIM 9.0" + b"\0" * 100)
    probe = md.parent / "4913"
    probe.write_bytes(b"")
    probe.unlink()
    backup = md.with_name(md.name + "~")
    os.rename(md, backup)
    md.write_text(text, encoding="utf-8")
    backup.unlink()
    swap.write_bytes(b"b0VIM 9.0" + b"\1" * 100)
    swap.unlink()


@pytest.mark.parametrize("save", [_write_in_place, _write_temp_then_rename, _write_plain_temp_then_rename,
                                  _write_like_vim], ids=["in-place", "temp-rename", "plain-temp-rename", "vim"])
def test_editor_save_patterns_give_exactly_one_rebuild(tmp_path: Path, save) -> None:  # type: ignore[no-untyped-def]
    site = make_site(tmp_path)
    md = site / UMKM_MD
    with running(site) as server:
        events = Events(server)
        builds = server.builds
        new_text = replace_body(md.read_text(encoding="utf-8"), f"Disimpan dengan pola {save.__name__}.")
        save(md, new_text)
        settle(server)
        assert server.builds - builds == 1
        assert f"Disimpan dengan pola {save.__name__}." in get_html(server, UMKM_URL).get_text()
        assert not events.of("buildfail")
        assert len(events.of("reload")) == 1


def test_editor_files_alone_never_rebuild(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    folder = site / "content/kelurahan/purwantoro/umkm"
    with running(site) as server:
        builds = server.builds
        (folder / ".keripik-tempe.md.swp").write_bytes(b"b0VIM")  # vim opened the file
        (folder / "4913").write_bytes(b"")
        (folder / "keripik-tempe.md~").write_text("salinan", encoding="utf-8")
        (folder / ".#keripik-tempe.md").write_text("lock", encoding="utf-8")
        (folder / "#keripik-tempe.md#").write_text("autosave", encoding="utf-8")
        (site / ".git").mkdir()
        (site / ".git" / "index").write_bytes(b"git")
        (site / "README.md").write_text("catatan", encoding="utf-8")
        (site / "content/kelurahan/purwantoro/umkm/keripik-tempe.md").read_text(encoding="utf-8")  # a read
        settle(server)
        assert server.builds == builds


def test_edit_during_a_build_gives_exactly_one_follow_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path)
    md = site / UMKM_MD
    original = server_module.build
    started = threading.Event()
    release = threading.Event()
    calls: list[float] = []

    def slow_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(time.monotonic())
        if len(calls) == 2:  # the first rebuild: hold it while edits arrive
            started.set()
            release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(server_module, "build", slow_build)
    monkeypatch.setattr(server_module, "rebuild_bodies", lambda *_a: None)  # every rebuild is a full one here
    with running(site, watch=False) as server:
        text = md.read_text(encoding="utf-8")
        md.write_text(replace_body(text, "Edit pertama."), encoding="utf-8")
        server.notify_paths([md])
        assert started.wait(10)
        for i in range(20):  # many edits while that build runs
            md.write_text(replace_body(text, f"Edit saat build {i}."), encoding="utf-8")
            server.notify_paths([md])
        # requests wait for the build in progress instead of seeing a half-built site
        answer: list[bytes] = []
        waiter = threading.Thread(target=lambda: answer.append(request(server, UMKM_URL)[2]))
        waiter.start()
        time.sleep(0.3)
        assert not answer
        release.set()
        waiter.join(20)
        assert answer and b"Edit saat build 19." in answer[0]
        settle(server, quiet=0.3)
        assert len(calls) == 3  # initial, the held build, exactly one follow-up


# -- errors ------------------------------------------------------------------------------------------

def test_broken_front_matter_shows_overlay_keeps_last_good_build_and_recovers(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    md = site / UMKM_MD
    good = md.read_text(encoding="utf-8")
    with running(site) as server:
        events = Events(server)
        md.write_text(good.replace("kategori: oleh-oleh", "kategori: [oleh"), encoding="utf-8")
        settle(server)
        html = get_html(server, UMKM_URL)
        overlay = html.find(id="kimsite-overlay")
        assert overlay is not None and f"{UMKM_MD}:3:" in overlay.get_text()
        assert ORIGINAL_BODY in html.get_text()  # the last good build is still served
        assert get_html(server, "/uji/").find(id="kimsite-overlay") is not None  # on every page
        assert any(f"{UMKM_MD}:3:" in line for line in server.logs)  # type: ignore[attr-defined]
        (fail,) = events.of("buildfail")
        assert any(line.startswith(f"{UMKM_MD}:3: ") for line in fail["lines"])
        md.write_text(good.replace("kategori: oleh-oleh", 'kategori: oleh-oleh\n"<img src=x onerror=alert(1)>": 1'),
                      encoding="utf-8")
        settle(server)
        overlay = get_html(server, UMKM_URL).find(id="kimsite-overlay")
        assert overlay.find("img") is None and "<img src=x onerror=alert(1)>" in overlay.get_text()
        md.write_text(replace_body(good, "Sudah diperbaiki."), encoding="utf-8")
        settle(server)
        html = get_html(server, UMKM_URL)
        assert html.find(id="kimsite-overlay") is None and "Sudah diperbaiki." in html.get_text()
        assert events.of("buildok") and events.items[-1][0] == "reload"


def test_unexpected_exception_is_shown_and_the_server_lives(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path)
    original = server_module.build

    def crash(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("rusak <b>sekali</b>")

    monkeypatch.setattr(server_module, "rebuild_bodies", lambda *_a: None)  # every rebuild is a full one here
    with running(site, watch=False) as server:
        monkeypatch.setattr(server_module, "build", crash)
        server.notify_paths([site / UMKM_MD])
        settle(server, quiet=0.3)
        overlay = get_html(server, UMKM_URL).find(id="kimsite-overlay")
        assert overlay is not None and "RuntimeError: rusak <b>sekali</b>" in overlay.get_text()
        assert overlay.find("b") is None
        monkeypatch.setattr(server_module, "build", original)
        server.notify_paths([site / UMKM_MD])
        settle(server, quiet=0.3)
        assert get_html(server, UMKM_URL).find(id="kimsite-overlay") is None


def test_first_build_broken_then_fixed(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    md = site / UMKM_MD
    good = md.read_text(encoding="utf-8")
    md.write_text(good.replace("kategori: oleh-oleh", "kategori: [oleh"), encoding="utf-8")
    with running(site) as server:
        status, _, body = request(server, UMKM_URL)
        assert status == 500 and f"{UMKM_MD}:3:".encode() in body and b"/__kimsite/reload.js" in body
        md.write_text(good, encoding="utf-8")
        settle(server)
        assert ORIGINAL_BODY in get_html(server, UMKM_URL).get_text()


def test_late_subscriber_gets_what_it_missed(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with running(site, watch=False) as server:
        generation = server.state.generation
        md = site / UMKM_MD
        md.write_text(replace_body(md.read_text(encoding="utf-8"), "Terlewat."), encoding="utf-8")
        server.notify_paths([md])
        settle(server, quiet=0.3)
        messages = server.subscribe(generation, server.instance)
        data = messages.get(timeout=1)
        assert data is not None and data.startswith(b"event: reload\n")
        assert UMKM_URL in json.loads(data.split(b"data: ", 1)[1])["urls"]
        assert server.subscribe(server.state.generation, server.instance).empty()  # up to date: nothing
        stale = server.subscribe(server.state.generation, "server-lain").get(timeout=1)
        assert stale is not None and b'"*"' in stale  # a page from an earlier server run reloads once


def test_watch_handler_ignores_reads_and_folder_mtimes(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    md = site / UMKM_MD
    with running(site, watch=False) as server:
        handler = _WatchHandler(server)
        builds = server.builds
        for event in (FileOpenedEvent(str(md)), FileClosedNoWriteEvent(str(md)), DirModifiedEvent(str(md.parent)),
                      FileModifiedEvent(str(md.parent / ".keripik-tempe.md.swp"))):
            handler.dispatch(event)
        assert not server.busy
        settle(server, quiet=0.3)
        assert server.builds == builds
        handler.dispatch(FileModifiedEvent(str(md)))
        assert server.busy
        settle(server, quiet=0.3)
        assert server.builds == builds + 1


def test_a_save_during_the_first_build_is_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path)
    md = site / UMKM_MD
    original = server_module.build
    calls: list[int] = []

    def save_while_building(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        if not calls:
            md.write_text(replace_body(md.read_text(encoding="utf-8"), "Disimpan saat build pertama."),
                          encoding="utf-8")
            time.sleep(0.3)  # still "building" while the watcher sees the save
        calls.append(1)
        return result

    monkeypatch.setattr(server_module, "build", save_while_building)
    with running(site) as server:
        settle(server)
        assert len(calls) == 2
        assert "Disimpan saat build pertama." in get_html(server, UMKM_URL).get_text()


def test_a_save_racing_ctrl_c_prints_no_watchdog_error(caplog) -> None:
    """watchdog logs "queue_events() called when the thread is inactive" for an event that arrives while
    the observer stops; the server drops exactly that line, and still lets other watchdog errors through."""
    import logging

    import kimsite.server  # noqa: F401 - installs the filter

    logger = logging.getLogger("watchdog.observers.inotify")
    with caplog.at_level(logging.ERROR):
        logger.error("InotifyEmitter.queue_events() called when the thread is inactive")
        logger.error("inotify watch limit reached")
    assert [r.getMessage() for r in caplog.records] == ["inotify watch limit reached"]
