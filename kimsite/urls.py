"""Site-relative URLs (`/kelurahan/x/`) and the relative links between them.

Pages link to each other with relative URLs, so the site works under any sub-path
(`https://owner.github.io/repo/`) and a wrong base URL cannot break navigation.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote


def relative_url(from_url: str, to_url: str) -> str:
    """Link from page `from_url` to `to_url` (both site-relative, directories end with '/')."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    target_is_dir = to_url.endswith("/")
    rel = posixpath.relpath(to_url, from_dir)
    if rel == ".":
        rel = "./"
    elif target_is_dir:
        rel += "/"
    return quote(rel, safe="/#?=&.-_~%+")


def absolute_url(base_url: str, url: str) -> str:
    """`https://x.github.io/repo/` + `/umkm/` → `https://x.github.io/repo/umkm/`."""
    return base_url.rstrip("/") + quote(url, safe="/#?=&.-_~%+")


def output_file(url: str) -> str:
    """The file a URL is written to, relative to the output folder: `/a/b/` → `a/b/index.html`."""
    path = url.lstrip("/")
    if url.endswith("/"):
        return path + "index.html"
    return path
