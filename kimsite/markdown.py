"""Markdown → safe HTML: one configured Python-Markdown per process, reset per page.

Links between Markdown files (`../umkm/keripik.md`) become the target page's relative URL; images
and files beside the page are copied next to it. Raw HTML is sanitised with nh3 (ammonia) to an
allow-list, and `find_unsafe` names what was removed so the build can warn about it.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import markdown as pymd
import nh3
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from kimsite.urls import relative_url

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
_GENERIC_ATTRS = {"id", "class", "title", "lang", "dir"}
ALLOWED_ATTRS: dict[str, set[str]] = {
    "*": _GENERIC_ATTRS,
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"type", "checked", "disabled"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "ol": {"start", "reversed", "type"},
    "col": {"span"},
    "colgroup": {"span"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRS = {"href", "src"}
SAFE_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")

EXTENSIONS = [
    "tables", "fenced_code", "footnotes", "attr_list", "def_list", "abbr", "sane_lists", "md_in_html",
    "toc", "pymdownx.magiclink", "pymdownx.tilde", "pymdownx.tasklist", "pymdownx.betterem",
]
EXTENSION_CONFIG = {
    "toc": {"toc_depth": "2-4"},  # levels are already fixed by _HeadingLevels (the theme owns the <h1>)
    "pymdownx.tilde": {"subscript": False},
    "footnotes": {"BACKLINK_TITLE": "Kembali ke teks %d"},
}


@dataclass
class LinkContext:
    """What the link rewriter needs for one page: plain data, set before each conversion."""

    source_path: str  # site-relative path of the Markdown file
    page_url: str  # site-relative URL of the page
    url_by_source: dict[str, str]  # every content source path → its page URL
    assets: set[str]  # every non-Markdown file of the site (content/ and static/)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (kind, target) for errors
    copied: dict[str, str] = field(default_factory=dict)  # asset path → output file name beside the page
    reserved_ids: frozenset[str] = frozenset()  # ids the theme's templates use (`produk`, `lokasi`, …)


def asset_output_name(source_path: str, asset_path: str) -> str:
    """The file name an asset gets beside a page: its own name when it sits beside the source,
    else a short hash prefix so two `foto.jpg` from different folders never collide."""
    name = posixpath.basename(asset_path)
    if posixpath.dirname(asset_path) == posixpath.dirname(source_path):
        return name
    return f"{hashlib.sha1(asset_path.encode()).hexdigest()[:8]}-{name}"


class _LinkRewriter(Treeprocessor):
    context: LinkContext | None = None

    def run(self, root: etree.Element) -> None:
        ctx = self.context
        if ctx is None:
            return
        _rename_reserved_ids(root, ctx.reserved_ids)
        for element in root.iter():
            if element.tag == "a" and element.get("href"):
                element.set("href", self._rewrite(ctx, element.get("href", ""), is_image=False))
            elif element.tag == "img" and element.get("src"):
                element.set("src", self._rewrite(ctx, element.get("src", ""), is_image=True))
                element.set("loading", "lazy")

    def _rewrite(self, ctx: LinkContext, href: str, is_image: bool) -> str:
        # Python-Markdown hides `<user@host>` mailto links behind entity placeholders: decode to look.
        plain = html.unescape(href.replace(AMP_SUBSTITUTE, "&"))
        if plain != href and ":" in plain.split("/")[0]:
            return href
        try:
            parts = urlsplit(href)
        except ValueError:  # `http://www.x.id[a]` (a bare URL running into brackets): not a local link
            return href
        if parts.scheme or parts.netloc or href.startswith("#") or not (parts.path or parts.query):
            return href
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        target = unquote(parts.path)
        if "\x00" in target or "\\" in target:
            ctx.missing.append(("link", href))
            return "#"
        if target.startswith("/"):
            static = posixpath.normpath("static/" + target.lstrip("/"))
            if static in ctx.assets or not is_image:
                return relative_url(ctx.page_url, target) + fragment
            ctx.missing.append(("image", href))
            return "#"
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.source_path), target))
        if resolved.startswith(".."):
            ctx.missing.append(("image" if is_image else "link", href))
            return "#"
        if resolved.endswith(".md") and not is_image:
            url = ctx.url_by_source.get(resolved)
            if url is None:
                ctx.missing.append(("link", href))
                return "#"
            return relative_url(ctx.page_url, url) + fragment
        if resolved in ctx.assets:
            name = asset_output_name(ctx.source_path, resolved)
            ctx.copied[resolved] = name
            return name + fragment
        ctx.missing.append(("image" if is_image else "link", href))
        return "#"


def _rename_reserved_ids(root: etree.Element, reserved: frozenset[str]) -> None:
    """A body heading `## Produk` gets id `produk`, which the UMKM template already uses for its own
    section: two equal ids are invalid HTML and make `#produk` ambiguous. The body's id yields
    (`produk-1`); links to `#produk` keep pointing at the theme's section."""
    if not reserved:
        return
    used = {e.get("id") for e in root.iter() if e.get("id")} | set(reserved)
    for element in root.iter():
        value = element.get("id")
        if value and value in reserved:
            number = 1
            while f"{value}-{number}" in used:
                number += 1
            element.set("id", f"{value}-{number}")
            used.add(f"{value}-{number}")


_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))


class _HeadingLevels(Treeprocessor):
    """Body headings start at <h2> (the theme owns the page's <h1>) and never skip a level.

    Volunteers write `##` for sections, as GitHub's preview shows them; `#` becomes <h2> too, and a
    jump such as `##` → `####` is closed up, so every page has a valid outline (the Nu validator
    reports skipped heading levels as errors).
    """

    def run(self, root: etree.Element) -> None:
        previous = 1
        for element in root.iter():
            if element.tag in _HEADING_TAGS:
                level = max(2, min(int(element.tag[1]), previous + 1))
                element.tag = f"h{level}"
                previous = level


class _KimsiteExtension(Extension):
    def __init__(self, rewriter: _LinkRewriter) -> None:
        super().__init__()
        self.rewriter = rewriter

    def extendMarkdown(self, md: pymd.Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.treeprocessors.register(self.rewriter, "kimsite_links", 1)
        md.treeprocessors.register(_HeadingLevels(md), "kimsite_headings", 6)  # before toc (5) assigns ids


@dataclass
class Rendered:
    html: str
    toc_html: str
    missing: list[tuple[str, str]]
    copied: dict[str, str]
    removed: list[str]  # descriptions of unsafe HTML that the sanitiser dropped


def _has(literal: str) -> Callable[[str, int], bool]:
    return lambda data, pos: data.find(literal, pos) >= 0


_WWW = re.compile(r"w{3}\.", re.I)
_DELIMITERS = re.compile(r"[*_~]")
# Inline pattern → a test of what each of its matches must contain at or after the search position (read
# off the patterns printed by `pattern.compiled_re.pattern`; tests render with and without these and
# compare). Python-Markdown tries every inline pattern on every text node (~400 tries a page); without
# the literal there is nothing to find, and `str.find` says so far sooner than a call into the pattern
# (patterns that start with a lookbehind cannot even use the regex engine's literal prefix scan).
_PATTERN_NEEDS: dict[str, Callable[[str, int], bool]] = {
    "backtick": _has("`"),  # both alternatives end at a backtick (the escaped-backslash one by lookahead)
    "escape": _has("\\"),
    "footnote": _has("[^"),
    "reference": _has("["),
    "link": _has("["),
    "image_link": _has("!["),
    "image_reference": _has("!["),
    "short_reference": _has("["),
    "short_image_ref": _has("!["),
    "autolink": _has("<"),
    "automail": _has("<"),
    "linebreak": _has("  \n"),
    "html": _has("<"),
    "magic-link": lambda data, pos: data.find("://", pos) >= 0 or _WWW.search(data, pos) is not None,
    "magic-mail": _has("@"),
    "entity": _has("&"),
    "delimiter": lambda data, pos: _DELIMITERS.search(data, pos) is not None,
}


def _skip_hopeless_patterns(processor: InlineProcessor, names: list[str]) -> None:
    """Python-Markdown's own loop over the inline patterns (`InlineProcessor.__handleInline`), skipping a
    pattern whose test says it cannot match: what `__applyPattern` returns for a miss, without the call."""
    patterns = tuple(processor.inlinePatterns)
    tests = tuple(_PATTERN_NEEDS.get(name) for name in names)
    apply = processor._InlineProcessor__applyPattern  # type: ignore[attr-defined]
    count = len(patterns)

    def handle_inline(data: str, pattern_index: int = 0) -> str:
        if not isinstance(data, AtomicString):
            start = 0
            while pattern_index < count:
                test = tests[pattern_index]
                if test is not None and not test(data, start):
                    pattern_index, start = pattern_index + 1, 0
                    continue
                data, matched, start = apply(patterns[pattern_index], data, pattern_index, start)
                if not matched:
                    pattern_index += 1
        return data

    processor.inlinePatterns = patterns  # type: ignore[assignment]
    processor._InlineProcessor__handleInline = handle_inline  # type: ignore[attr-defined]


# Block processor → the characters one of which every block it handles must contain. Each of these
# searches the whole block with a regex (or, for the last three, pops it, searches and puts it back); the
# tables extension even splits every block into cells. A table's header row needs a `|` (a one-column
# table has one on every row), a heading a `#`, a rule `-`, `*` or `_`, and so on (the patterns are in
# Python-Markdown's block processors; tests render with and without these and compare).
_BLOCK_NEEDS: dict[str, tuple[str, ...]] = {
    "table": ("|",), "hashheader": ("#",), "hr": ("-", "*", "_"), "deflist": (":",), "quote": (">",),
    "footnote": ("[^",), "abbr": ("*[",), "reference": ("]:",),
}


def _needs_literal(processor: BlockProcessor, literals: tuple[str, ...]) -> None:
    test = processor.test
    if len(literals) == 1:
        literal = literals[0]
        processor.test = lambda parent, block: literal in block and test(parent, block)  # type: ignore[method-assign]
    else:
        processor.test = (lambda parent, block: any(x in block for x in literals)  # type: ignore[method-assign]
                          and test(parent, block))


class MarkdownRenderer:
    """One Python-Markdown instance, reused and reset for every page (creating one costs ~10 ms).
    `fast=False` leaves out the shortcuts (`_Needs`, `_needs_literal`): the tests' reference."""

    def __init__(self, fast: bool = True) -> None:
        self._rewriter = _LinkRewriter()
        self._md = pymd.Markdown(extensions=[*EXTENSIONS, _KimsiteExtension(self._rewriter)],
                                 extension_configs=EXTENSION_CONFIG, output_format="html")
        if fast:
            for name, literals in _BLOCK_NEEDS.items():
                _needs_literal(self._md.parser.blockprocessors[name], literals)
            # All extensions have registered their inline patterns by now. The inline processor gets them
            # as a plain tuple in the same order (indexing a Registry re-checks its sort and looks the
            # name up, ~400 times a page), and skips those that cannot match a text.
            names = [item.name for item in self._md.inlinePatterns._priority]
            for processor in self._md.treeprocessors:
                if isinstance(processor, InlineProcessor):
                    _skip_hopeless_patterns(processor, names)

    def render(self, text: str, context: LinkContext) -> Rendered:
        self._md.reset()
        self._rewriter.context = context
        try:
            html = self._md.convert(text)
            toc = getattr(self._md, "toc", "")
        finally:
            self._rewriter.context = None
        removed = find_unsafe(html)
        return Rendered(sanitize(html), sanitize(toc), list(context.missing), dict(context.copied), removed)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return value if SAFE_STYLE.match(value) else None
    if tag == "input" and attr == "type":
        return value if value == "checkbox" else None
    if attr in URL_ATTRS and not _url_ok(value):
        # ammonia judges the URL as written; Python-Markdown has already expanded a tab inside it
        # (`jav\tascript:` → `jav    ascript:`). Judge it as a lenient parser would: whitespace dropped.
        return None
    return value


def sanitize(html: str) -> str:
    """Reduce HTML to the allow-list: no scripts, iframes, event handlers or dangerous URLs."""
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRS, url_schemes=set(URL_SCHEMES),
                     link_rel="noopener noreferrer", attribute_filter=_attribute_filter,
                     strip_comments=True)


class _UnsafeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.found.append(f"<{tag}>")
            return
        allowed = ALLOWED_ATTRS["*"] | ALLOWED_ATTRS.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.found.append(f"<{tag} {name}>")
            elif name in URL_ATTRS and value and not _url_ok(value):
                self.found.append(f"<{tag} {name}=\"{value[:40]}\">")
            elif name == "style" and value and not SAFE_STYLE.match(value):
                self.found.append(f"<{tag} style>")


def _url_ok(value: str) -> bool:
    compact = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    if ":" not in compact.split("/")[0].split("?")[0].split("#")[0]:
        return True
    return compact.split(":", 1)[0] in URL_SCHEMES


_WS = "[ \\t\\n\\r\\f]"


def _allowed_start_tag(tag: str) -> str:
    names = "|".join(sorted(ALLOWED_ATTRS["*"] | ALLOWED_ATTRS.get(tag, set())))
    return f'{tag}(?:{_WS}+(?:{names})(?:="[^"<>]*")?)*'


# A body made only of text without `<`, end tags and start tags of allowed elements with allowed attributes
# (double-quoted values without `<`, `>`), in the shape Python-Markdown writes, has nothing to report
# but perhaps a URL or a style: then `find_unsafe` need not run the (slow, pure-Python) HTML parser.
_CLEAN_BODY = re.compile(
    "(?:[^<]++|<(?:" + "|".join(_allowed_start_tag(tag) for tag in sorted(ALLOWED_TAGS))
    + f"){_WS}*/?>|</[a-zA-Z][a-zA-Z0-9]*{_WS}*>)*+", re.I)
_CHECKED_VALUE = re.compile(f'(?<={_WS})(href|src|style)="([^"<>]*)"', re.I)


def _clean_body(html_text: str) -> bool:
    """True when `find_unsafe` would find nothing, decided without the HTML parser (False: don't know)."""
    if _CLEAN_BODY.fullmatch(html_text) is None:
        return False
    for name, value in _CHECKED_VALUE.findall(html_text):
        if not value:
            continue
        value = html.unescape(value)  # HTMLParser hands the finder unescaped values
        if name.lower() == "style":
            if not SAFE_STYLE.match(value):
                return False
        elif not _url_ok(value):
            return False
    return True


def find_unsafe(html: str) -> list[str]:
    """Describe each element or attribute of `html` that `sanitize` would drop (for the warning)."""
    if _clean_body(html):
        return []
    finder = _UnsafeFinder()
    finder.feed(html)
    finder.close()
    return sorted(set(finder.found))
