"""`build(options) -> BuildResult`: the one place that owns the order of the phases.

config → region list → theme → discovery → parse → Markdown → site model → global checks →
render (in memory) → write (temp folder, atomic swap). Nothing is written before every check has
passed, so a build with errors reports them all and leaves the previous output untouched.
`serve`, `check` and the benchmark all call this same function.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from kimsite import phonefirst
from kimsite.config import SiteConfig, load_config
from kimsite.content import (
    CONTENT_DIR,
    STATIC_DIR,
    Discovery,
    ImageRef,
    Page,
    ParseContext,
    discover,
    is_ignored,
    parse_page,
)
from kimsite.errors import Diagnostic, KimsiteError, Report
from kimsite.feeds import atom_feed, robots, sitemap
from kimsite.formats import WIB, slugify
from kimsite.images import check_image, prioritize_first_image
from kimsite.markdown import LinkContext, MarkdownRenderer
from kimsite.media import SiteMedia, finish_media, plan_media
from kimsite.output import OutputWriter, check_output_dir
from kimsite.site import OutputClaims, Route, SiteModel, build_model, load_wilayah, routes
from kimsite.theme import PageLinks, Theme, load_theme, load_words, make_environment, template_ids
from kimsite.urls import output_file


@dataclass(frozen=True)
class BuildOptions:
    site_dir: Path
    out_dir: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    write: bool = True  # `kimsite check` builds everything in memory and writes nothing

    @property
    def output(self) -> Path:
        return self.out_dir if self.out_dir is not None else self.site_dir / "build"


@dataclass
class BuildResult:
    config: SiteConfig
    pages: int
    files: int
    bytes: int
    seconds: float
    warnings: list[Diagnostic]
    rendered: dict[str, bytes] = field(default_factory=dict, repr=False)  # output file → bytes
    model: SiteModel | None = field(default=None, repr=False)
    copies: dict[str, Path] = field(default_factory=dict, repr=False)  # output file → source file copied as is
    images_encoded: int = 0  # images and share cards encoded (not served from .kimsite-cache/images)


@dataclass
class MarkdownCache:
    """Rendered Markdown kept between builds of one process (the preview server): unchanged bodies
    are not rendered again. Keyed by source path, body and everything a body's links depend on."""

    entries: dict[str, tuple[str, object]] = field(default_factory=dict)

    def get(self, path: str, key: str) -> object | None:
        hit = self.entries.get(path)
        return hit[1] if hit and hit[0] == key else None

    def put(self, path: str, key: str, value: object) -> None:
        self.entries[path] = (key, value)


Progress = Callable[[str], None]

_RENDERER: MarkdownRenderer | None = None


def _renderer() -> MarkdownRenderer:
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = MarkdownRenderer()
    return _RENDERER


def build_time() -> dt.datetime:
    """'Now' for agenda and staleness rules: `SOURCE_DATE_EPOCH` when set, for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=WIB)
    return dt.datetime.now(tz=WIB).replace(microsecond=0)


def _walk_files(root: Path, rel_prefix: str) -> list[tuple[str, Path]]:
    """(relative POSIX path, file) of every non-ignored file under `root`, sorted, symlinks kept inside."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored(d))
        for name in sorted(filenames):
            if is_ignored(name):
                continue
            path = Path(dirpath) / name
            try:
                if not path.resolve(strict=True).is_relative_to(real_root):
                    continue
            except (OSError, RuntimeError):
                continue
            rel = path.relative_to(root).as_posix()
            found.append((f"{rel_prefix}{rel}" if rel_prefix else rel, path))
    return sorted(found)


def build(options: BuildOptions, progress: Progress | None = None,
          md_cache: MarkdownCache | None = None) -> BuildResult:
    """Build the site; raise `KimsiteError` (with every problem) and leave the old output when it fails."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    site_dir = options.site_dir
    config = load_config(site_dir, options.base_url)
    lang = config.bahasa
    if options.write:
        check_output_dir(options.output, site_dir, lang)
    report = Report()
    now = build_time()

    wilayah = load_wilayah(site_dir, config, report)
    theme = load_theme(site_dir, config)
    discovery = discover(site_dir, report)
    static_files = _walk_files(site_dir / STATIC_DIR, "")
    assets = set(discovery.assets) | {f"{STATIC_DIR}/{rel}" for rel, _ in static_files}
    say(f"{len(discovery.sources)} sumber")

    ctx = ParseContext(config, frozenset(r.kode for r in wilayah),
                       frozenset(slugify(r.kecamatan) for r in wilayah), now, site_dir)
    pages: list[Page] = []
    for source in discovery.sources:
        page = parse_page(site_dir, source, report, ctx)
        if page is not None:
            pages.append(page)

    body_assets = _render_markdown(pages, discovery, assets, report, md_cache, template_ids(theme))
    _check_images(site_dir, pages, assets, report)
    model = build_model(config, wilayah, pages, now, options.drafts, report)
    if model.kecamatan == [] and not report.has_errors():
        report.error(config.wilayah, 0, "wilayah.empty_list")

    page_routes = routes(model)
    claims = OutputClaims()
    for route in page_routes:
        claims.claim_route(route, report)
    copies = _plan_copies(site_dir, theme, static_files, pages, body_assets, model, claims, report)
    feeds = _feeds(model, claims, report)
    media = plan_media(site_dir, model, body_assets, assets, page_routes, load_words(theme, lang), claims, report)
    phonefirst.claim_outputs(claims, report)

    if report.has_errors() or (options.strict and report.warnings):
        if options.strict and not report.has_errors():
            report.error("site.yaml", 0, "build.strict", count=len(report.warnings))
        raise KimsiteError(report.items, lang)

    finish_media(media, copies, say)  # encode images and share cards (cached), <picture> in bodies
    say(f"{len(page_routes)} halaman")
    rendered = _render_routes(theme, config, model, page_routes, lang, media)
    rendered.update(feeds)
    rendered["sitemap.xml"] = sitemap(config.url, [r.url for r in page_routes
                                                   if r.template not in ("404.html", "redirect.html", "poster.html",
                                                                          "poster_semua.html")]).encode()
    rendered["robots.txt"] = robots(config.url).encode()
    rendered[".nojekyll"] = b""
    phonefirst.finish(model, rendered, copies, report)  # search index, sw.js, page budgets
    if report.has_errors() or (options.strict and report.warnings):
        if options.strict and not report.has_errors():
            report.error("site.yaml", 0, "build.strict", count=len(report.warnings))
        raise KimsiteError(report.items, lang)

    files = bytes_written = 0
    if options.write:
        writer = OutputWriter(options.output)
        writer.begin()
        try:
            for rel in sorted(rendered):
                writer.write_bytes(rel, rendered[rel])
            for rel in sorted(copies):
                writer.copy_file(rel, copies[rel])
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        files, bytes_written = writer.files, writer.bytes
    return BuildResult(config, len(page_routes), files, bytes_written, time.perf_counter() - started,
                       report.warnings, rendered, model, copies, images_encoded=media.encoded)


def _links_key(discovery: Discovery, assets: set[str]) -> str:
    digest = hashlib.sha1()
    for source in discovery.sources:
        digest.update(f"{source.path}\0{source.url}\n".encode())
    for asset in sorted(assets):
        digest.update(f"{asset}\n".encode())
    return digest.hexdigest()


def _render_markdown(pages: list[Page], discovery: Discovery, assets: set[str], report: Report,
                     cache: MarkdownCache | None, reserved_ids: frozenset[str] = frozenset()
                     ) -> dict[str, dict[str, str]]:
    """Render every body; returns, per page URL, the files its body links to (asset → file name)."""
    url_by_source = {s.path: s.url for s in discovery.sources}
    links_key = _links_key(discovery, assets) + ",".join(sorted(reserved_ids)) if cache is not None else ""
    renderer = _renderer()
    copied_by_page: dict[str, dict[str, str]] = {}
    for page in pages:
        key = hashlib.sha1(f"{links_key}\0{page.body_md}".encode()).hexdigest() if cache else ""
        rendered = cache.get(page.source.path, key) if cache else None
        if rendered is None:
            context = LinkContext(page.source.path, page.url, url_by_source, assets, reserved_ids=reserved_ids)
            rendered = renderer.render(page.body_md, context)
            if cache is not None:
                cache.put(page.source.path, key, rendered)
        page.body_html = rendered.html  # type: ignore[attr-defined]
        page.toc_html = rendered.toc_html  # type: ignore[attr-defined]
        for kind, target in rendered.missing:  # type: ignore[attr-defined]
            report.error(page.source.path, _body_line(page, target), f"markdown.missing_{kind}", target=target)
        if rendered.removed:  # type: ignore[attr-defined]
            report.warning(page.source.path, page.body_line, "markdown.sanitized",
                           removed=", ".join(rendered.removed[:5]))  # type: ignore[attr-defined]
        if rendered.copied:  # type: ignore[attr-defined]
            copied_by_page[page.url] = rendered.copied  # type: ignore[attr-defined]
    return copied_by_page


def _body_line(page: Page, needle: str) -> int:
    index = page.body_md.find(needle)
    return page.body_line + (page.body_md.count("\n", 0, index) if index >= 0 else 0)


def _check_images(site_dir: Path, pages: list[Page], assets: set[str], report: Report) -> None:
    checked: dict[str, str | None] = {}
    for page in pages:
        for ref in page.images:
            if ref.path not in assets:
                report.error(page.source.path, ref.line, "image.missing", src=ref.src)
                continue
            if ref.path not in checked:
                checked[ref.path] = check_image(site_dir / ref.path)
            problem = checked[ref.path]
            if problem:
                report.error(page.source.path, ref.line, problem, src=ref.src)


def _plan_copies(site_dir: Path, theme: Theme, static_files: list[tuple[str, Path]], pages: list[Page],
                 body_assets: dict[str, dict[str, str]], model: SiteModel, claims: OutputClaims,
                 report: Report) -> dict[str, Path]:
    """Every file copied as is: theme static (parents first), site static/, and page images."""
    copies: dict[str, Path] = {}
    theme_files: dict[str, Path] = {}
    for folder in theme.static_dirs:
        for rel, path in _walk_files(folder, ""):
            theme_files[rel] = path  # a child theme overrides its parent's file
    for rel, _path in static_files:
        theme_files.pop(rel, None)  # the site's static/ overrides the theme's
    for rel, path in sorted(theme_files.items()):
        if claims.claim(rel, "(tema)", report):
            copies[rel] = path
    for rel, path in static_files:
        if claims.claim(rel, f"{STATIC_DIR}/{rel}", report):
            copies[rel] = path
    shown = {id(p) for p in model.umkm + model.berita + model.agenda + model.halaman}
    shown |= {id(k.page) for k in model.kelurahan if k.page} | {id(k.page) for k in model.kecamatan if k.page}
    for page in pages:
        if id(page) not in shown:
            continue
        refs: list[ImageRef] = [r for r in page.images if not r.path.startswith(f"{STATIC_DIR}/")]
        for ref in refs:
            rel = output_file(ref.url)
            if claims.claim(rel, page.source.path, report, ref.line):
                copies[rel] = site_dir / ref.path
        for asset, name in body_assets.get(page.url, {}).items():
            rel = output_file(page.url + name)
            if claims.claim(rel, page.source.path, report):
                copies[rel] = site_dir / asset
    return copies


def _feeds(model: SiteModel, claims: OutputClaims, report: Report) -> dict[str, bytes]:
    config = model.config
    out: dict[str, bytes] = {}
    fallback = dt.datetime(2000, 1, 1, tzinfo=WIB)
    if claims.claim("feed.xml", "(kimsite)", report):
        out["feed.xml"] = atom_feed(config.url, "/feed.xml", config.nama, "/", model.berita, fallback,
                                    config.bahasa).encode()
    for kel in model.kelurahan:
        if kel.page is None:
            continue
        rel = output_file(f"{kel.url}feed.xml")
        if claims.claim(rel, "(kimsite)", report):
            title = f"{kel.display_name} — {config.nama}"
            out[rel] = atom_feed(config.url, f"{kel.url}feed.xml", title, kel.url, kel.berita, fallback,
                                 config.bahasa).encode()
    for rel in ("sitemap.xml", "robots.txt", ".nojekyll"):
        claims.claim(rel, "(kimsite)", report)
    return out


def _render_routes(theme: Theme, config: SiteConfig, model: SiteModel, page_routes: list[Route],
                   lang: str, media: SiteMedia | None = None) -> dict[str, bytes]:
    env = make_environment(theme, config, media)
    out: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for route in page_routes:
        links = PageLinks(config, route.url, absolute=route.template == "404.html")
        try:
            template = env.get_template(route.template)
            html = template.render(site=model, config=config, route=route, url=links.url,
                                   abs_url=links.abs_url, current_url=route.url, **route.data)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_template_problem(theme, exc.filename or exc.name or route.template, exc.lineno,
                                              "theme.syntax", str(exc.message)))
            break
        except jinja2.TemplateNotFound as exc:
            problems.append(_template_problem(theme, route.template, 0, "theme.template_missing", str(exc)))
            break
        except (jinja2.UndefinedError, TypeError, ValueError, AttributeError, KeyError) as exc:
            line, filename = _template_traceback(exc)
            problems.append(_template_problem(theme, filename or route.template, line, "theme.render",
                                              f"{type(exc).__name__}: {exc}", url=route.url))
            break
        out[output_file(route.url)] = prioritize_first_image(html).encode("utf-8")
    if problems:
        raise KimsiteError(problems, lang)
    return out


def _template_traceback(exc: BaseException) -> tuple[int, str]:
    """The innermost template frame of an exception raised while rendering."""
    tb = exc.__traceback__
    found = (0, "")
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") or filename.endswith(".xml"):
            found = (tb.tb_lineno, filename)
        tb = tb.tb_next
    return found


def _template_problem(theme: Theme, filename: str, line: int | None, key: str, detail: str,
                      url: str = "") -> Diagnostic:
    from kimsite.errors import make

    shown = filename
    for folder in theme.folders:
        try:
            shown = Path(filename).resolve().relative_to(folder.resolve().parent.parent).as_posix()
            break
        except ValueError:
            continue
    return make(shown, line or 0, key, detail=detail, url=url)


__all__ = ["BuildOptions", "BuildResult", "MarkdownCache", "build", "CONTENT_DIR"]
