"""Site-relative URLs (`/kelurahan/x/`) and the relative links between them.

Pages link to each other with relative URLs, so the site works under any sub-path
(`https://owner.github.io/repo/`) and a wrong base URL cannot break navigation.

A build asks for ~35 links per page, so `relative_url` has a pure-string fast path for the usual
case (two absolute URLs without `.`/`..` segments) that gives exactly what `posixpath.relpath` gives.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote

_SAFE = "/#?=&.-_~%+"
# Every character `quote(…, safe=_SAFE)` leaves alone: a URL made only of these is returned as it is.
_ALREADY_QUOTED = re.compile(r"[A-Za-z0-9_.\-~/#?=&%+]*").fullmatch


def quote_url(url: str) -> str:
    """`quote(url, safe=…)` as links need it, without the work when nothing needs quoting."""
    return url if _ALREADY_QUOTED(url) else quote(url, safe=_SAFE)


def relative_url(from_url: str, to_url: str) -> str:
    """Link from page `from_url` to `to_url` (both site-relative, directories end with '/')."""
    if from_url[:1] == "/" and to_url[:1] == "/" and "/." not in from_url and "/." not in to_url:
        return quote_url(_relative_plain(from_url, to_url))
    return _relative_slow(from_url, to_url)


def _relative_plain(from_url: str, to_url: str) -> str:
    """`posixpath.relpath` for absolute paths without `.` or `..` segments (empty segments vanish there too)."""
    start = from_url[1:from_url.rfind("/")].split("/")
    path = to_url[1:].split("/")
    if "" in start or "" in path:
        start = [part for part in start if part]
        path = [part for part in path if part]
    common = 0
    for a, b in zip(start, path, strict=False):
        if a != b:
            break
        common += 1
    if common == len(start):
        rel_parts = path[common:]
        if not rel_parts:
            return "./"
    else:
        rel_parts = [".."] * (len(start) - common) + path[common:]
    rel = "/".join(rel_parts)
    return rel + "/" if to_url[-1] == "/" else rel


def _relative_slow(from_url: str, to_url: str) -> str:
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    target_is_dir = to_url.endswith("/")
    rel = posixpath.relpath(to_url, from_dir)
    if rel == ".":
        rel = "./"
    elif target_is_dir:
        rel += "/"
    return quote(rel, safe=_SAFE)


def absolute_url(base_url: str, url: str) -> str:
    """`https://x.github.io/repo/` + `/umkm/` → `https://x.github.io/repo/umkm/`."""
    return base_url.rstrip("/") + quote_url(url)


def output_file(url: str) -> str:
    """The file a URL is written to, relative to the output folder: `/a/b/` → `a/b/index.html`."""
    path = url.lstrip("/")
    if url.endswith("/"):
        return path + "index.html"
    return path
