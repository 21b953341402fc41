"""Internal link checker over a built site (files in memory, no server, no network).

`check_links(files, base_path)` looks at every `href`/`src`/`srcset` (and `<meta http-equiv=refresh>`)
of every HTML file and reports each internal link that does not resolve:

- relative links are resolved against the page's folder (`a/b/index.html` is served as `a/b/`);
- root-absolute links (`/repo/umkm/`) must lie under `base_path` (GitHub project pages serve the
  site under `/<repo>/`, so `/umkm/` would leave the site there);
- absolute `http(s)` links are internal only when they start with `site_url` (when given);
- a folder resolves to its `index.html`; a `#fragment` must name an `id` (or `<a name>`) of the
  target page (`#` and `#top` always work);
- `404.html` is served at any depth, so a relative link in it is reported too.

Pure function over `{output path: bytes}` (e.g. `BuildResult.rendered`, or `read_tree(folder)`),
so `kimsite check` and the tests share it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

MISSING_FILE = "missing file"
MISSING_FRAGMENT = "missing fragment"
OUTSIDE_BASE = "outside base path"
OUTSIDE_SITE = "outside site"
RELATIVE_IN_404 = "relative link in 404 page"
UNSAFE_SCHEME = "unsafe scheme"

_URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"),
    "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "audio": ("src",),
    "video": ("src", "poster"), "track": ("src",), "embed": ("src",), "form": ("action",),
}
_UNSAFE = ("javascript", "vbscript", "data")
_REFRESH = re.compile(r"^\s*\d+\s*[;,]\s*url\s*=\s*['\"]?([^'\"]*)", re.I)


class BrokenLink(NamedTuple):
    page: str  # output path of the page holding the link, e.g. `kelurahan/x/index.html`
    link: str  # the link exactly as written
    problem: str  # one of the constants above


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for attr in _URL_ATTRS.get(tag, ()):
            value = values.get(attr)
            if value is None:
                continue
            if attr == "srcset":
                self.links += [c.strip().split()[0] for c in value.split(",") if c.strip()]
            else:
                self.links.append(value.strip())
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH.match(values.get("content", ""))
            if match:
                self.links.append(match.group(1).strip())

    handle_startendtag = handle_starttag


def _parse(data: bytes) -> _PageParser:
    parser = _PageParser()
    parser.feed(data.decode("utf-8", "replace"))
    parser.close()
    return parser


def is_html(path: str) -> bool:
    return path.endswith((".html", ".htm"))


def check_links(files: dict[str, bytes], base_path: str = "/", site_url: str | None = None) -> list[BrokenLink]:
    """Every broken internal link of the HTML files in `files` (output path → bytes), sorted."""
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    site = site_url.rstrip("/") + "/" if site_url else None
    parsed: dict[str, _PageParser] = {}

    def page_of(path: str) -> _PageParser:
        if path not in parsed:
            parsed[path] = _parse(files[path])
        return parsed[path]

    broken: list[BrokenLink] = []
    for page in sorted(p for p in files if is_html(p)):
        for link in page_of(page).links:
            problem = _check(page, link, files, base, site, page_of)
            if problem:
                broken.append(BrokenLink(page, link, problem))
    return sorted(set(broken))


def _check(page: str, link: str, files: dict[str, bytes], base: str, site: str | None,
           page_of) -> str | None:  # noqa: ANN001 - a small closure
    if not link:
        return None
    compact = re.sub(r"[\x00-\x20]", "", link).lower()
    scheme = compact.split(":", 1)[0] if re.match(r"^[a-z][a-z0-9+.-]*:", compact) else ""
    if scheme in _UNSAFE:
        return UNSAFE_SCHEME
    if scheme or link.startswith("//"):
        if site and scheme in ("http", "https") and link.startswith(site):
            link = base + link[len(site):]
        else:
            return None  # external: not ours to check offline
    parts = urlsplit(link)
    path = unquote(parts.path)
    fragment = unquote(parts.fragment)
    if not path:
        target = page  # `#x` or `?q` on the same page
    else:
        if path.startswith("/"):
            if not (path if path.endswith("/") else path + "/").startswith(base):
                return OUTSIDE_BASE
            folder, relative = "", path[len(base):]
        else:
            if page == "404.html":
                return RELATIVE_IN_404
            folder, relative = posixpath.dirname(page), path
        if _climbs_out(folder, relative):
            return OUTSIDE_SITE
        trailing = relative.endswith("/") or relative in ("", ".") or relative.endswith("/.")
        normal = posixpath.normpath(posixpath.join("/" + folder, relative)).lstrip("/")
        target = _resolve(normal, trailing, files)
        if target is None:
            return MISSING_FILE
    if fragment and fragment.lower() != "top" and is_html(target):
        if fragment not in page_of(target).ids:
            return MISSING_FRAGMENT
    return None


def _climbs_out(folder: str, path: str) -> bool:
    depth = len([p for p in folder.split("/") if p])
    for part in path.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _resolve(path: str, trailing: bool, files: dict[str, bytes]) -> str | None:
    """The file a site path is served from: the file itself, or a folder's index.html."""
    candidates = [f"{path}/index.html" if path else "index.html"] if trailing else [path, f"{path}/index.html"]
    for candidate in candidates:
        if candidate in files:
            return candidate
    return None


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` → its bytes, keyed by POSIX path relative to it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(_files(folder))}


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.rglob("*") if p.is_file())
