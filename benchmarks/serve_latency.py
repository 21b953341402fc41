"""Edit-to-reload latency of `kimsite serve`: a UMKM file saved → the `reload` event read by a browser-
like SSE client, on a copy of the bundled site and on a generated 10,000-page site.

    .venv/bin/python benchmarks/serve_latency.py                  # both sites, 7 edits each
    .venv/bin/python benchmarks/serve_latency.py --pages 2000 --edits 5 --skip-bundled

The clock starts when the edited file is closed and stops when the `reload` event arrives over HTTP
from `/__kimsite/events`, so it includes watchdog, the ~100 ms debounce, `build()`, the diff of the
rendered pages and the send. Medians of the edits are reported (the first, warm-up edit excluded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate_site import write_site  # noqa: E402

from kimsite.server import ServeOptions, Server  # noqa: E402


class EventClient(threading.Thread):
    """Reads `/__kimsite/events` like a browser's EventSource and timestamps each `reload`."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.reloads: list[float] = []
        self.failures: list[str] = []
        self.arrived = threading.Condition()
        port = server.port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=None)
        query = f"gen={server.state.generation}&instance={server.instance}"  # up to date: no catch-up reload
        self.sock.sendall(f"GET /__kimsite/events?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())

    def run(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            while b"\n\n" in buffer:
                message, buffer = buffer.split(b"\n\n", 1)
                if message.startswith(b"event: reload"):
                    with self.arrived:
                        self.reloads.append(now)
                        self.arrived.notify_all()
                elif message.startswith(b"event: buildfail"):
                    with self.arrived:
                        self.failures.append(message.decode("utf-8", "replace"))
                        self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.reloads) >= count or self.failures, timeout):
                raise TimeoutError(f"no reload event within {timeout:.0f} s")
            if self.failures:
                raise RuntimeError(f"the build failed: {self.failures[0]}")
            return self.reloads[count - 1]


def copy_bundled_site(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("site.yaml", "content", "data", "static", "themes"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)
    return target


def pick_umkm(site: Path) -> Path:
    candidates = sorted((site / "content").glob("kelurahan/*/umkm/*.md"))
    if not candidates:
        raise SystemExit(f"no UMKM under {site}/content")
    return candidates[len(candidates) // 2]


def measure(site: Path, edits: int, label: str, timeout: float = 900) -> dict[str, float]:
    server = Server(ServeOptions(site_dir=site, port=0), log=lambda _m: None)
    started = time.perf_counter()
    server.start()
    first_build = time.perf_counter() - started
    client = EventClient(server)
    client.start()
    md = pick_umkm(site)
    original = md.read_text(encoding="utf-8")
    latencies: list[float] = []
    builds: list[float] = []
    try:
        time.sleep(0.5)
        seen = 0
        for index in range(edits + 1):
            with open(md, "w", encoding="utf-8") as handle:
                handle.write(original.rstrip("\n") + f"\n\nSuntingan uji nomor {index}.\n")
            saved = time.perf_counter()
            seen += 1
            arrived = client.wait_for(seen, timeout)
            server.wait_idle()
            if index > 0:  # the first edit warms caches
                latencies.append(arrived - saved)
                builds.append(server.build_seconds[-1])
            time.sleep(0.3)
    finally:
        md.write_text(original, encoding="utf-8")
        client.sock.close()
        server.stop()
    pages = len(list((site / "content").rglob("*.md")))
    result = {
        "pages": pages, "first_build_s": first_build, "median_ms": statistics.median(latencies) * 1000,
        "min_ms": min(latencies) * 1000, "max_ms": max(latencies) * 1000,
        "median_build_ms": statistics.median(builds) * 1000,
    }
    print(f"{label}: {pages} Markdown files, first build {first_build:.2f} s; "
          f"save → reload median {result['median_ms']:.0f} ms (min {result['min_ms']:.0f}, "
          f"max {result['max_ms']:.0f}, n={len(latencies)}), "
          f"of which build() median {result['median_build_ms']:.0f} ms",
          flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=7, help="measured edits per site (default 7, minimum 5)")
    parser.add_argument("--pages", type=int, default=10_000, help="pages of the generated site (default 10000)")
    parser.add_argument("--skip-bundled", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1795737600")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kimsite-bench-") as tmp:
        if not args.skip_bundled:
            measure(copy_bundled_site(Path(tmp) / "bundled"), max(5, args.edits), "bundled site")
        if not args.skip_generated:
            site = Path(tmp) / "generated"
            write_site(site, args.pages)
            # a snapshot of the theme, so edits to the repository's theme during the run don't count
            shutil.copytree(REPO / "themes" / "default", site / "themes" / "default")
            measure(site, max(5, args.edits), f"generated {args.pages}-page site")


if __name__ == "__main__":
    main()
