"""Phone budgets, checked on the rendered site before it is written.

- No resource from another host (scripts, styles, images, frames, fonts…) unless the site owner
  allows it with `sumber_luar: true` in site.yaml. Plain links (`<a href>`) to other hosts are fine.
- No web fonts (`@font-face` in a stylesheet the pages load).
- Scripts never block rendering: every `<script src>` has `defer`, `async` or `type="module"`, and
  the only inline scripts are data (`application/ld+json`).
- HTML + CSS + JS of each page at most `PAGE_BUDGET` bytes gzip-compressed (images excluded).

`page_resources()` and `page_weight()` are also what the tests use, so build and tests agree.
"""

from __future__ import annotations

import functools
import gzip
import html as htmllib
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from kimsite.errors import Report

PAGE_BUDGET = 50 * 1024
# <link rel=…> values that make the browser fetch something.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "prefetch", "modulepreload",
                 "manifest", "mask-icon", "preconnect", "dns-prefetch"}
RESOURCE_ATTRS = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json", "importmap", "speculationrules"}


@dataclass
class PageResources:
    """What one HTML page loads."""

    urls: list[str] = field(default_factory=list)  # every fetched URL as written
    stylesheets: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    blocking_scripts: list[str] = field(default_factory=list)  # src, or "(inline)"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = PageResources()
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            href = values.get("href", "")
            if href and rels & FETCHING_RELS:
                self.found.urls.append(href)
                if "stylesheet" in rels:
                    self.found.stylesheets.append(href)
            return
        for attr in RESOURCE_ATTRS.get(tag, ()):
            value = values.get(attr, "").strip()
            if not value:
                continue
            if attr == "srcset":
                self.found.urls.extend(part.split()[0] for part in value.split(",") if part.strip())
            else:
                self.found.urls.append(value)
        if tag == "script":
            kind = values.get("type", "").strip().lower()
            src = values.get("src", "")
            if kind in DATA_SCRIPT_TYPES:
                return
            if src:
                self.found.scripts.append(src)
                if kind != "module" and "defer" not in values and "async" not in values:
                    self.found.blocking_scripts.append(src)
            else:
                self._inline_script = True

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.found.blocking_scripts.append("(inline)")
        self._inline_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline_script = False


# Only these tags can fetch anything; feeding the parser just them (and inline script bodies) gives the
# same result ~20× faster than parsing a whole page (the build checks every page of a 10,000-page site).
# The attributes are matched as an unrolled loop (runs of plain characters between quoted values),
# which is linear and ~2× faster than one character per repetition.
_ATTRS = r"[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>"
_FETCHING_TAG = re.compile(
    r"<!--.*?-->|<script\b" + _ATTRS + r".*?</script\s*>|"
    r"<(?:link|" + "|".join(t for t in RESOURCE_ATTRS if t != "script") + r")\b" + _ATTRS,
    re.I | re.S)


def page_resources(html: str) -> PageResources:
    pieces = [m.group(0) for m in _FETCHING_TAG.finditer(html) if not m.group(0).startswith("<!--")]
    found = _plain_resources(pieces)
    if found is not None:
        return found
    parser = _Collector()
    parser.feed("".join(pieces))
    parser.close()
    return parser.found


# The tags a build writes are plain: `<name attr="value" flag>`, double quotes, no `<` or `>` inside a
# value, scripts without `<` in their body. For those the collector is fed directly, with exactly the tag
# and attributes HTMLParser would hand it; anything else makes `_plain_resources` give up (None), and
# the page goes through HTMLParser as before.
_WS = "[ \t\n\r\f]"
_PLAIN_TAG = re.compile(rf'<([a-zA-Z][a-zA-Z0-9]*)((?:{_WS}+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*){_WS}*(/?)>')
_PLAIN_ATTR = re.compile(rf'{_WS}+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(="([^"<>]*)")?')
_SCRIPT_END = re.compile(r"</script\s*>\Z", re.I)


def _plain_resources(pieces: list[str]) -> PageResources | None:
    found = PageResources()
    for piece in pieces:
        # Most tags repeat from page to page (the same stylesheet, icon or image at the same depth):
        # each distinct tag is read once. Scripts carry per-page bodies (JSON-LD), so they are not kept.
        effect = _plain_effect(piece) if piece[1:7].lower() == "script" else _remembered_effect(piece)
        if effect is None:
            return None
        for into, values in zip((found.urls, found.stylesheets, found.scripts, found.blocking_scripts), effect,
                                strict=True):
            into.extend(values)
    return found


def _plain_effect(piece: str) -> tuple[tuple[str, ...], ...] | None:
    """What one plain tag adds to a page's resources, or None when it is not plain."""
    match = _PLAIN_TAG.match(piece)
    if match is None:
        return None
    collector = _Collector()
    tag = match.group(1).lower()
    attrs = [(name.lower(), (htmllib.unescape(value) if "&" in value else value) if given else None)
             for name, given, value in _PLAIN_ATTR.findall(match.group(2))]
    self_closing = match.group(3) == "/"
    rest = piece[match.end():]
    if tag == "script":
        end = _SCRIPT_END.search(rest)
        if self_closing or end is None or "<" in rest[:end.start()]:
            return None
        body = rest[:end.start()]
        collector.handle_starttag(tag, attrs)
        if body:
            collector.handle_data(body)
        collector.handle_endtag(tag)
    elif rest:
        return None
    elif self_closing:
        collector.handle_startendtag(tag, attrs)
    else:
        collector.handle_starttag(tag, attrs)
    found = collector.found
    return tuple(found.urls), tuple(found.stylesheets), tuple(found.scripts), tuple(found.blocking_scripts)


_remembered_effect = functools.lru_cache(maxsize=8192)(_plain_effect)


Analysis = Callable[[str], "tuple[PageResources, int | None, int] | None"]  # page file → `analyse()` of it


@functools.lru_cache(maxsize=4096)  # every page of a site names the same few stylesheets, scripts and icons
def is_external(url: str, own_host: str) -> bool:
    """A URL on another host (`https://…`, `//…`); `data:` and relative URLs are not."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "blob", "about"):
        return False
    if parts.scheme or url.strip().startswith("//"):
        return (parts.hostname or "").lower() != own_host.lower()
    return False


def resolve(page_file: str, url: str, base_path: str = "/") -> str | None:
    """The output file a URL on `page_file` points to: relative, or absolute under the site's base
    path (`/kimsite/css/x.css`); None for other hosts, schemes and paths outside the site."""
    climbs = url.count("../")
    if climbs and climbs == page_file.count("/") and url.startswith("../" * climbs):
        rest = url[3 * climbs:]  # from the root of the site: the common case, asked for every page
        if rest and not _NEEDS_FULL_RESOLVE.search(rest):
            return rest + "index.html" if rest.endswith("/") else rest
    return resolve_full(page_file, url, base_path)


def resolve_full(page_file: str, url: str, base_path: str = "/") -> str | None:
    """`resolve` without its fast path: split, unquote, join to the page's folder, normalise."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(base_path):
            return None
        joined = posixpath.normpath(path[len(base_path):] or ".")
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_file), path))
    if joined.startswith("..") or joined.startswith("/"):
        return None
    if path.endswith("/"):
        joined = "index.html" if joined == "." else joined + "/index.html"
    return joined


_NEEDS_FULL_RESOLVE = re.compile(r"[?#%:\\]|(?:^|/)\.{1,2}(?:/|$)|//|^/")


def gzip_size(data: bytes) -> int:
    """Compressed size as a web server would send it (gzip level 6, no timestamp)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def gzip_bound(raw: int) -> int:
    """The most `gzip_size` can be for `raw` bytes: zlib's deflateBound (default window and memory
    level) plus the 18-byte gzip header and trailer. Most pages are so small that even this bound
    keeps them under budget, and need not be compressed at all."""
    return raw + (raw >> 12) + (raw >> 14) + (raw >> 25) + 7 + 18


# A page analysed where it is rendered is compressed there only above this size; a smaller page's bound
# is compared with the budget first, and it is compressed (in the parent) only when that is not enough.
COMPRESS_ABOVE = PAGE_BUDGET // 2


def analyse(data: bytes) -> tuple[PageResources, int | None, int]:
    """What the budgets need of a rendered HTML page: its resources, its gzip size (None below
    `COMPRESS_ABOVE`: see `gzip_bound`) and its length."""
    size = gzip_size(data) if len(data) > COMPRESS_ABOVE else None
    return page_resources(data.decode("utf-8", "replace")), size, len(data)


@dataclass(frozen=True, slots=True)  # one per page, kept in the build cache's budget memo
class PageWeight:
    page: str
    html: int  # compressed bytes; with exact=False an upper bound (`gzip_bound`) that is under budget
    css: int
    js: int
    exact: bool = True

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


Reader = Callable[[str], bytes | None]


def page_weight(page_file: str, html: bytes | Callable[[], bytes], read: Reader, sizes: dict[str, int] | None = None,
                base_path: str = "/", analysed: tuple[PageResources, int | None, int] | None = None
                ) -> PageWeight:
    """Compressed HTML + the CSS and JS the page loads (found through `read(output file)`).
    `analysed`: `analyse()` of the page when already known (the build caches it); then `html` may be a
    function giving the bytes, called only when the page's bound does not keep it under budget."""
    found = analysed[0] if analysed else page_resources(html.decode("utf-8", "replace"))  # type: ignore[union-attr]
    cache = sizes if sizes is not None else {}

    def size_of(urls: list[str]) -> int:
        total = 0
        for url in dict.fromkeys(urls):
            target = resolve(page_file, url, base_path)
            if target is None:
                continue
            if target not in cache:
                data = read(target)
                cache[target] = gzip_size(data) if data is not None else 0
            total += cache[target]
        return total

    css, js = size_of(found.stylesheets), size_of(found.scripts)
    if analysed and analysed[1] is not None:
        return PageWeight(page_file, analysed[1], css, js)
    if analysed and (bound := gzip_bound(analysed[2])) + css + js <= PAGE_BUDGET:
        return PageWeight(page_file, bound, css, js, exact=False)
    return PageWeight(page_file, gzip_size(html() if callable(html) else html), css, js)


# page file → (fingerprint, context, its diagnostics, stylesheet targets, sized targets, html, css, js, exact):
# the weight as plain numbers, not a PageWeight (held by the parent from the budget check to the end of the
# build, and by the cache: ~490 → ~230 bytes an entry, ~45 MB less at 100,000 pages)
BudgetMemo = dict


def check_budgets(pages: Mapping[str, bytes], read: Reader, own_host: str, allow_external: bool,
                  report: Report, url_of: Callable[[str], str], base_path: str = "/",
                  analyse: Analysis | None = None, memo: BudgetMemo | None = None,
                  fingerprint: Callable[[str], str | None] | None = None) -> list[PageWeight]:
    """Check every HTML page; external resources are errors, the rest warnings. Returns the weights.
    `analyse(page)` may give a page's resources and compressed size without reading it (build cache).
    `memo` (kept by the build cache) replays the result of a page whose `fingerprint` (content hash) and
    every sized stylesheet and script are unchanged, instead of resolving and weighing it again."""
    weights = []
    sizes: dict[str, int] = {}
    fonts_checked: dict[str, bool] = {}
    context = (own_host, allow_external, base_path)
    kept: BudgetMemo = {}
    sizes_hold: dict[tuple, bool] = {}  # most pages load the very same stylesheets: checked once each
    # Most pages load the very same files: one tuple object each for the memo (kept in the parent and in
    # the build cache, an entry per page: ~1.4 KB of objects each before, ~0.3 KB now).
    shared: dict[tuple, tuple] = {}
    numbers: dict[int, int] = {}  # the CSS and JS weights: a few values, one int object each

    def unchanged(sized: tuple[tuple[str, int], ...]) -> bool:
        known = sizes_hold.get(sized)
        if known is None:
            known = sizes_hold[sized] = all(size(t) == n for t, n in sized)
        return known

    def size(target: str) -> int:
        if target not in sizes:
            data = read(target)
            sizes[target] = gzip_size(data) if data is not None else 0
        return sizes[target]

    def check_fonts(targets: tuple[str, ...]) -> None:
        for target in targets:
            if target not in fonts_checked:
                fonts_checked[target] = b"@font-face" in (read(target) or b"")
                if fonts_checked[target]:
                    report.warning(f"/{target}", 0, "budget.web_font")

    for page_file in sorted(pages):
        stamp = fingerprint(page_file) if fingerprint is not None and memo is not None else None
        old = memo.get(page_file) if stamp is not None and memo is not None else None
        if old is not None and old[0] == stamp and old[1] == context and unchanged(old[4]):
            report.extend(old[2])
            check_fonts(old[3])
            weights.append(PageWeight(page_file, *old[5:]))
            kept[page_file] = old
            continue
        analysed = analyse(page_file) if analyse is not None else None
        if analysed is None:
            data = pages[page_file]
            analysed = (page_resources(data.decode("utf-8", "replace")), gzip_size(data), len(data))
        found = analysed[0]
        url = url_of(page_file)
        mine = Report()
        if not allow_external:
            for resource in dict.fromkeys(found.urls):
                if is_external(resource, own_host):
                    mine.error(url, 0, "budget.external", url=resource)
        for script in dict.fromkeys(found.blocking_scripts):
            mine.warning(url, 0, "budget.blocking_script", src=script)
        sheets = tuple(t for sheet in dict.fromkeys(found.stylesheets)
                       if (t := resolve(page_file, sheet, base_path)) is not None)
        weight = page_weight(page_file, functools.partial(pages.__getitem__, page_file), read, sizes, base_path,
                             analysed)
        if weight.total > PAGE_BUDGET:
            mine.warning(url, 0, "budget.page_weight", kb=f"{weight.total / 1024:.1f}",
                         html=f"{weight.html / 1024:.1f}", css=f"{weight.css / 1024:.1f}",
                         js=f"{weight.js / 1024:.1f}", max=PAGE_BUDGET // 1024)
        report.extend(mine.items)
        check_fonts(sheets)
        weights.append(weight)
        if stamp is not None:
            sized = {*sheets, *(t for u in dict.fromkeys(found.scripts)
                                if (t := resolve(page_file, u, base_path)) is not None)}
            sized_now = tuple((t, size(t)) for t in sorted(sized))
            kept[page_file] = (stamp, context, tuple(mine.items),
                               shared.setdefault(sheets, sheets), shared.setdefault(sized_now, sized_now),
                               weight.html, numbers.setdefault(weight.css, weight.css),
                               numbers.setdefault(weight.js, weight.js), weight.exact)
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return weights
