"""The build's fast paths give exactly what the plain code they shortcut gives.

Each shortcut (pure-string relative links, …) is compared with the straightforward implementation
on generated inputs, including the awkward ones (`.`/`..` segments, empty segments, non-ASCII,
characters that need quoting), so a speed-up can never change a byte of the output.
"""

from __future__ import annotations

import json
import posixpath
import re
from urllib.parse import quote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kimsite.urls import absolute_url, relative_url

SEGMENTS = st.sampled_from(["a", "b", "umkm", "", ".", "..", "x y", "é", "%20", "#f", "?q=1", "a.b", "-", "~",
                            "+", ".hidden", "index.html", "feed.xml"])
URLS = st.builds(lambda parts, absolute, slash: ("/" if absolute else "") + "/".join(parts) + ("/" if slash else ""),
                 st.lists(SEGMENTS, max_size=6), st.booleans(), st.booleans())


def reference_relative_url(from_url: str, to_url: str) -> str:
    """The original implementation: posixpath.relpath, then quote."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    rel = posixpath.relpath(to_url, from_dir)
    if rel == ".":
        rel = "./"
    elif to_url.endswith("/"):
        rel += "/"
    return quote(rel, safe="/#?=&.-_~%+")


def outcome(func, *args):  # noqa: ANN001, ANN201 - a value or the exception type
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@settings(max_examples=3000, deadline=None)
@given(URLS, URLS)
@example("/", "/")
@example("/kelurahan/a/umkm/x/", "/kelurahan/a/umkm/x/")
@example("/a//b/", "//a/b")
@example("/404.html", "/css/kimsite.css")
@example("/a/b/", "/a/b/../c/")
def test_relative_url_matches_relpath(from_url: str, to_url: str) -> None:
    assert outcome(relative_url, from_url, to_url) == outcome(reference_relative_url, from_url, to_url)


@settings(max_examples=500, deadline=None)
@given(URLS)
def test_absolute_url_matches_quote(url: str) -> None:
    base = "https://x.github.io/repo/"
    assert absolute_url(base, url) == base.rstrip("/") + quote(url, safe="/#?=&.-_~%+")


def reference_page_resources(html: str):  # noqa: ANN201 - PageResources
    """The original: every fetching tag (found with the first, one-character-per-step pattern) fed to
    HTMLParser."""
    from kimsite.budgets import RESOURCE_ATTRS, _Collector

    fetching = re.compile(
        r"<!--.*?-->|<script\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</script\s*>|"
        r"<(?:link|" + "|".join(t for t in RESOURCE_ATTRS if t != "script") + r")\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
        re.I | re.S)
    parser = _Collector()
    parser.feed("".join(m.group(0) for m in fetching.finditer(html) if not m.group(0).startswith("<!--")))
    parser.close()
    return parser.found


HTML_PARTS = st.sampled_from([
    '<img src="a.jpg" alt="x">', '<img src="a.jpg" srcset="a-320w.webp 320w, a-640w.webp 640w" sizes="50vw">',
    '<IMG SRC="B.JPG">', '<img src="a&amp;b.jpg" />', '<img src="" alt="">', "<img src='q.jpg'>", "<img src=bare.jpg>",
    '<img src = "sp.jpg">', '<img\tsrc="tab.jpg"\n>', '<img src="x>y.jpg">', '<img-x src="no.jpg">', "<img",
    '<link rel="stylesheet" href="css/a.css">', '<link rel="icon" href="f.ico" sizes="32x32">',
    '<link rel="alternate" href="feed.xml">', '<link rel="STYLESHEET preload" href="https://cdn.example/x.css">',
    '<script src="a.js" defer></script>', '<script src="b.js"></script>', '<script type="module" src="m.js"></script>',
    '<script type="application/ld+json">{"a":"\\u003c"}</script>', "<script>var a = 1;</script>",
    "<script>  </script>", "<script></script>", "<script>if (a < b) {}</script>", "<script src=\"c.js\" />",
    "<SCRIPT>x</SCRIPT >", "<script>&nbsp;</script>", '<input type="checkbox" disabled>',
    '<input src="i.png" type="image">',
    '<source type="image/webp" srcset="a.webp 1w">', '<video poster="p.jpg" src="v.mp4">', '<iframe src="//x.org/">',
    '<object data="o.swf">', "<!-- <img src=\"hidden.jpg\"> -->", "<p>text & more</p>", "<a href=\"x\">x</a>", "<",
    ">", '"', "'", "\u00a0", '<img alt="a>b" src="q.jpg">', "<img alt='it\"s' src=\"r.jpg\">",
    '<img src="open.jpg', '<link rel="icon" href="f.ico" title=\'a"b\'>',
    '<img src="a.jpg"\u00a0alt="b">', '<img src="a.jpg" data-x="1" alt>',
])


@settings(max_examples=2000, deadline=None)
@given(st.lists(HTML_PARTS, max_size=12))
@example(['<script src="c.js" />', "<script>x</script>"])
@example(["<script>", '<img src="a.jpg">', "</script>"])
@example(["<script />", "x", "</script>"])
def test_page_resources_matches_htmlparser(parts: list[str]) -> None:
    from kimsite.budgets import page_resources

    html = "<html><body>" + "".join(parts) + "</body></html>"
    assert page_resources(html) == reference_page_resources(html)


def reference_find_unsafe(html: str) -> list[str]:
    """The original: every body through HTMLParser."""
    from kimsite.markdown import _UnsafeFinder

    finder = _UnsafeFinder()
    finder.feed(html)
    finder.close()
    return sorted(set(finder.found))


BODY_PARTS = st.sampled_from([
    "<p>", "</p>", "text", " & ", "&amp;", "a < b", "<br>", "<br />", "<hr/>", '<a href="x.html">', '<a href="#fn:1">',
    "</a>", '<a href="javascript:alert(1)">', '<a href="JaVaScRiPt&#58;x">', '<a href="java\tscript:x">',
    '<a href="mailto:a@b.c">', '<a href="">', '<a hreflang="id">', '<a href=x>', '<a href=javascript:x>',
    "<a href='y'>", '<a href = "z">',
    '<img src="data:image/png;base64,AA" alt="x">', '<img src="foto.jpg" alt="" loading="lazy">',
    '<img src="a.jpg" onerror="alert(1)">', '<td style="text-align: left;">', '<td style="color: red">',
    '<th style="text-align:center" scope="col">', '<p style="text-align: left;">', '<abbr title="x">',
    "<ABBR TITLE=\"Y\">",
    '<input type="checkbox" disabled/>', '<input type="text" checked>', '<div class="toc">', '<sup id="fnref:1">',
    "<script>", "</script>", "<style>p{}</style>", "<iframe src=\"//x\">", "<!-- c -->", "<!doctype html>", "<?x?>",
    "<![CDATA[x]]>", "<details open>", "<summary>", "<a:b>", "<a-b>", "<abbrx>", '<ol start="2" reversed>',
    '<span\u00a0class="x">', '<span class="a>b">', "<", ">", '"', "</", "<p\n class=\"x\"\n>", "<code>&lt;p&gt;</code>",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(BODY_PARTS, max_size=14))
@example(['<a href="javascript&colon;x">'])
@example(['<a href="&amp;#106;avascript:x">'])
def test_find_unsafe_matches_htmlparser(parts: list[str]) -> None:
    from kimsite.markdown import find_unsafe

    html = "".join(parts)
    assert find_unsafe(html) == reference_find_unsafe(html)


def test_remembered_filters_answer_as_the_plain_ones(tmp_path) -> None:  # noqa: ANN001
    """`qr` and `striptags` are remembered per build; a remembered answer is the plain function's answer,
    and a Markup label (not escaped by qr_svg) never gets the answer made for the same text as a str."""
    from markupsafe import Markup

    from kimsite.config import load_config
    from kimsite.poster import qr_svg
    from kimsite.theme import load_theme, make_environment
    from tests.sitetools import make_site

    site = make_site(tmp_path)
    config = load_config(site)
    env = make_environment(load_theme(site, config), config)
    template = env.from_string("{{ d | qr(label) }}|{{ d | qr(label) }}|{{ d | qr(label | safe) }}|{{ b | striptags }}")
    body = "<p>Kopi &amp; <b>teh</b></p>"
    first, again, as_markup, text = template.render(d="https://x.test/u/", label="Kopi & <teh>", b=body).split("|")
    assert first == again == str(qr_svg("https://x.test/u/", "Kopi & <teh>"))
    assert as_markup == str(qr_svg("https://x.test/u/", Markup("Kopi & <teh>")))
    assert as_markup != first  # the label is escaped only as a str
    assert Markup(body).striptags() == "Kopi & teh"
    assert text == "Kopi &amp; teh"  # autoescaped on output, as before


def test_the_build_cache_keeps_qr_codes_compressed_and_gives_them_back_as_drawn(tmp_path) -> None:  # noqa: ANN001
    """A build remembers each QR code it draws (kimsite.cache.watch_filters) until it ends, two per UMKM:
    held compressed, a remembered code renders exactly as a freshly drawn one."""
    from markupsafe import Markup

    from kimsite import cache
    from kimsite.config import load_config
    from kimsite.poster import qr_svg
    from kimsite.theme import load_theme, make_environment
    from tests.sitetools import make_site

    site = make_site(tmp_path)
    config = load_config(site)
    env = make_environment(load_theme(site, config), config)
    cache.watch_filters(env)
    cache.start_memo({})
    template = env.from_string("{{ d | qr(label) }}|{{ d | qr(label | safe) }}")
    drawn = template.render(d="https://x.test/u/", label="Kopi & <teh>")
    made, hit = cache.take_memo()
    assert len(made) == 2 and hit == ()
    assert all(isinstance(value, bytes) and len(value) < len(drawn) / 4 for value in made.values())
    assert drawn.split("|") == [str(qr_svg("https://x.test/u/", "Kopi & <teh>")),
                                str(qr_svg("https://x.test/u/", Markup("Kopi & <teh>")))]
    assert template.render(d="https://x.test/u/", label="Kopi & <teh>") == drawn  # both from the memo
    made, hit = cache.take_memo()
    assert made == {} and len(hit) == 2
    assert type(cache.unpack_result(cache.pack_result("a < b"))) is str
    assert cache.unpack_result(cache.pack_result("a < b")) == "a < b"


def _reference_vfp(facts, value):  # noqa: ANN001, ANN202 - the general path of Facts.vfp, before its shortcuts
    from kimsite.cache import _kind

    kind = _kind(type(value)) if not isinstance(value, (str, list, dict)) else ""
    if kind == "p":
        return "p:" + value.source.path
    if kind == "e":
        return f"e:{value.kode}"
    if isinstance(value, list):
        return "[" + ",".join(_reference_vfp(facts, v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_reference_vfp(facts, k)}:{_reference_vfp(facts, v)}"
                                     for k, v in value.items())) + "}"
    return facts.vfp(value)


def test_route_fingerprints_match_the_general_path(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Route keys take shortcuts for pages, kelurahan, lists of pages and the data dict; on every route of
    a real site (and on mixed lists) they give the general path's string."""
    from sitetools import SOURCE_DATE_EPOCH, make_site

    from kimsite import cache
    from kimsite.build import BuildOptions, build
    from kimsite.site import routes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path)
    result = build(BuildOptions(site_dir=site, out_dir=tmp_path / "out", base_url="https://contoh.github.io/uji/"))
    facts = cache.Facts(result.model, {}, [], "nonce")
    all_routes = routes(result.model)
    assert any(isinstance(r.data.get("items"), list) and r.data["items"] for r in all_routes)
    for route in all_routes:
        assert facts.vfp(route.data) == _reference_vfp(facts, route.data), route.url
    pages = result.model.umkm[:2]
    mixed = [*pages, "teks", 3, None, result.model.kelurahan[0], [pages[0]], {"k": pages[-1]}]
    assert facts.vfp(mixed) == _reference_vfp(facts, mixed)
    assert facts.vfp([]) == "[]" and facts.vfp({}) == "{}"


@given(st.text(max_size=12))
@example("ÉCOLE/Index.HTML")
@example("ﬁle/ß")
def test_url_key_fast_path_matches_nfc_casefold(url: str) -> None:
    import unicodedata

    from kimsite.content import url_key

    assert url_key(url) == unicodedata.normalize("NFC", url).casefold()


# Pieces of Markdown around the literals the renderer's shortcuts test for: code spans, links, images and
# references, bare URLs and mail addresses, tables (one column, pipes only on later rows), escapes,
# inline HTML and entities, line breaks and emphasis delimiters, and each literal alone.
MARKDOWN_PARTS = st.sampled_from([
    "teks biasa ", "`kode`", "``a ` b``", "\\\\`", "\\`", "[tautan](../umkm/x.md)", "[ref][r]", "[r]", "[^1]",
    "\n\n[r]: https://contoh.id\n", "![foto](foto.jpg)", "https://contoh.id/a?b=1", "www.contoh.id", "WWW.Contoh.ID",
    "ftp://f.id", "bu.sri@contoh.id", "a@b", "@", "<https://x.id>", "<a@b.id>", "| a | b |\n|---|---|\n| 1 | 2 |",
    "| a |\n| --- |\n| 1 |", "a\n| --- |", "a | b\n--- | ---\n1 | 2", "|", ":", "://", "\n", "\n\n", "## Judul\n",
    "- butir\n", "1. satu\n", "*miring* ", "**tebal** ", "~~coret~~", "_a_", "&amp;", "<b>x</b>", "  \n", "İ", "é",
    "*[HTML]: Hyper\n", "\n\n[^1]: Catatan kaki.\n", "\\*", "\\", "!", "[", "<", "&", "&#169;", "&copy;", "~", "*", "_",
    "<!-- c -->", "<FTP://f.id>", "![r]", "![ref][r]", "a~b~", " *", "_ ", "\\[",
    "[^1]:", "\n---\n", "\n* * *\n", "\n___\n", "Judul\n=====\n",
    "#", "#tagar ", "a:b", "]:", "*[", ">", "\n> ", "Istilah\n:   arti\n", "```\nkode | blok\n```\n",
    "    indent `x`\n", "> kutip @a\n",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(MARKDOWN_PARTS, max_size=16))
@example(["| a |\n| --- |\n| 1 |"])
@example(["a\n|---|"])
@example(["\\\\`", "`kode`"])
@example(["www.contoh.id", " ", "bu.sri@contoh.id"])
def test_markdown_shortcuts_render_as_plain_python_markdown(parts: list[str]) -> None:
    """The inline-pattern and block guards (kimsite.markdown._PATTERN_NEEDS, _BLOCK_NEEDS) skip only work that
    could find nothing: every page renders byte for byte as without them."""
    from kimsite.markdown import LinkContext, MarkdownRenderer

    text = "".join(parts)

    def render(renderer: MarkdownRenderer) -> object:
        return renderer.render(text, LinkContext("content/kelurahan/a/berita/b.md", "kelurahan/a/berita/b/",
                                                 {"content/kelurahan/a/umkm/x.md": "kelurahan/a/umkm/x/"},
                                                 {"content/kelurahan/a/berita/foto.jpg"}))

    assert render(_FAST_MARKDOWN) == render(_PLAIN_MARKDOWN)


def test_markdown_shortcuts_render_the_bundled_site_as_plain_python_markdown() -> None:
    from pathlib import Path

    from kimsite.markdown import LinkContext, MarkdownRenderer

    bodies = sorted(Path(__file__).resolve().parent.parent.glob("content/**/*.md"))
    assert len(bodies) > 50
    for path in bodies:
        text = path.read_text(encoding="utf-8")
        context = LinkContext(path.as_posix(), "x/", {}, set())
        fast = MarkdownRenderer().render(text, context)
        context = LinkContext(path.as_posix(), "x/", {}, set())
        assert fast == MarkdownRenderer(fast=False).render(text, context), path


def _renderers() -> tuple[object, object]:
    from kimsite.markdown import MarkdownRenderer

    return MarkdownRenderer(), MarkdownRenderer(fast=False)


_FAST_MARKDOWN, _PLAIN_MARKDOWN = _renderers()


# The NIK pattern as first written (lookbehinds first); kimsite.content.NIK_RE is the same pattern
# reordered so the regex engine can skip to the next digit.
REFERENCE_NIK = re.compile(r"(?<![\d.])(?<!\d\.)\d{16}(?!\d|\.\d)|(?<!\d)\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?!\d)")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["1", "3573", "0123456789012345", "35730112345678901", ".", " ", "-", "a", "\n",
                                 "٣", "1234 5678 9012 3456", "x.1"]), max_size=12))
@example(["3573011234567890"])
@example([".", "3573011234567890"])
@example(["1.", "3573011234567890"])
@example(["3573011234567890", ".5"])
@example(["1", "3573 0112 3456 7890"])
def test_nik_pattern_matches_the_reference(parts: list[str]) -> None:
    from kimsite.content import NIK_RE

    text = "".join(parts)
    found, expected = NIK_RE.search(text), REFERENCE_NIK.search(text)
    assert (found and found.span()) == (expected and expected.span())
    assert [m.span() for m in NIK_RE.finditer(text)] == [m.span() for m in REFERENCE_NIK.finditer(text)]


def _recorded(source: str, **globals_: object) -> tuple[str, set[str]]:
    import jinja2

    from kimsite import cache

    env = cache.RecordingEnvironment(loader=jinja2.DictLoader({"t.html": source}))
    env.globals.update(globals_)
    recorder = cache.start_recording()
    try:
        html = env.get_template("t.html").render(items=[1, 2])
    finally:
        cache.stop_recording()
    return html, recorder.keys


def test_a_plain_global_called_at_the_top_level_is_recorded() -> None:
    def kartu(url: str) -> str:
        return "kartu" + url

    html, keys = _recorded("{{ kartu('/a/') }}{% block og %}{{ kartu('/b/') }}{% endblock %}", kartu=kartu)
    assert html == "kartu/a/kartu/b/"
    assert "g:kartu\0str:/a/" in keys


def test_direct_calls_keep_what_jinja_passes_to_context_functions() -> None:
    import jinja2

    @jinja2.pass_context
    def where(context: jinja2.runtime.Context, suffix: str = "") -> str:
        return f"{context.get('j', '-')}{context.get('k', '-')}{suffix}"

    @jinja2.pass_environment
    def env_name(environment: jinja2.Environment) -> str:
        return type(environment).__name__

    def plain(*args: object, **kwargs: object) -> str:
        return f"{args}{sorted(kwargs)}"

    def stops() -> str:
        raise StopIteration

    source = ("{% for i in items %}{% set j = i * 10 %}{{ where('!') }}{% endfor %}|{{ env_name() }}|"
              "{% block b %}{% set k = 3 %}{{ plain(1, k=2) }}{{ where() }}{% endblock %}|{{ stops() is undefined }}")
    functions = {"where": where, "env_name": env_name, "plain": plain, "stops": stops}
    html, _keys = _recorded(source, **functions)
    plain_env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": source}))
    plain_env.globals.update(functions)
    expected = plain_env.get_template("t.html").render(items=[1, 2])
    assert html == expected.replace("Environment", "RecordingEnvironment")
    assert "(1,)['k']" in html and "True" in html


def test_calls_of_builtin_methods_do_not_pile_up_in_the_plain_call_table() -> None:
    """`current_url.startswith(…)` is a new bound built-in on every call: it must not be remembered
    once per call (that held every page's strings for the whole build)."""
    from kimsite import cache

    _recorded("{% for i in items %}{{ 'abc'.startswith('a') }}{{ {'k': i}.get('k') }}{% endfor %}")
    before = len(cache._PLAIN_CALLS)
    html, _keys = _recorded("{% for i in range(500) %}{{ ('x' ~ i).startswith('x') }}{% endfor %}")
    assert html == "True" * 500
    assert len(cache._PLAIN_CALLS) == before


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(), max_size=4), max_size=5))
def test_search_index_joins_its_entries_as_json_dumps_would(entries: list[list[str]]) -> None:
    """The index is joined from each entry's UTF-8 JSON text: the same bytes as dumping the whole list."""
    from kimsite.search import join_index

    compact = {"ensure_ascii": False, "separators": (",", ":")}
    fragments = [json.dumps(entry, **compact).encode("utf-8") for entry in entries]
    assert join_index(fragments) == json.dumps(entries, **compact).encode("utf-8")
