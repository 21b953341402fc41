"""`build(options) -> BuildResult`: the one place that owns the order of the phases.

config → region list → theme → discovery → parse → Markdown → site model → global checks →
render → write (temp folder, then atomic swap, or a journaled merge of only the changed files).
Nothing reaches the output folder before every check has passed, so a build with errors reports
them all and leaves the previous output untouched. Parsing, Markdown and templates run on every
core (kimsite.parallel); `.kimsite-cache/` (kimsite.cache) lets a rebuild redo only what changed.
`check` and the benchmark call this same function; so does `serve`, for every change but an edit of
Markdown bodies alone, which kimsite.quick rebuilds from what the last build left in memory.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from kimsite import cache as build_cache
from kimsite import parallel, phonefirst
from kimsite.config import SiteConfig, load_config
from kimsite.content import (
    CONTENT_DIR,
    STATIC_DIR,
    BodyFile,
    Discovery,
    ImageRef,
    Page,
    ParseContext,
    Source,
    discover,
    is_ignored,
    page_state,
    page_with_state,
    parse_page,
)
from kimsite.errors import Diagnostic, KimsiteError, Report
from kimsite.feeds import atom_feed, robots, sitemap
from kimsite.formats import WIB, slugify
from kimsite.images import IMAGE_SUFFIXES, check_image, prioritize_first_image
from kimsite.markdown import LinkContext, MarkdownRenderer
from kimsite.media import SiteMedia, finish_media, plan_media
from kimsite.output import MARKER, OutputWriter, check_output_dir, files_under
from kimsite.search import JSON_PART, entry_json, plain_text
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
    jobs: int | None = None  # worker processes for parsing, Markdown and templates; None = every core, 1 = none
    use_cache: bool = True  # remember work in SITE_DIR/.kimsite-cache/ so a rebuild redoes only what changed

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
    notes: list[str] = field(default_factory=list)  # things the user should know, e.g. a discarded cache
    images: int = 0  # image files in the output
    written: int = 0  # files this build wrote (an incremental build writes only changed files)


@dataclass
class KeptBuild:
    """What the preview server keeps in memory from one build to the next, so a rebuild redoes only
    what changed: the build cache itself, the parsed pages, the previous outputs and per-page memos.
    Every reuse it allows is checked against the inputs of the new build (see each field)."""

    store: object | None = None  # kimsite.cache.BuildCache kept in memory between builds
    # source path → (its cache entry's blob, that blob unpickled, "hand it to builds as is"): a rebuild
    # reuses the page instead of unpickling 10,000 blobs again (a page with an <img> gets a copy)
    parsed: dict[str, tuple[bytes, object, bool]] = field(default_factory=dict)
    private_output: bool = False  # the output folder is the server's own: no need to walk or stat it
    previous: object | None = None  # the previous build's `rendered`, for outputs that did not change
    # the link tables (source → URL, assets) every entry of `parsed` was last checked against: while a
    # rebuild's tables are equal, each kept body's link answers hold without asking them one by one
    tables: tuple[dict[str, str], set[str]] | None = None
    fingerprints: build_cache.PageFingerprints = field(default_factory=lambda: build_cache.PageFingerprints())
    card_specs: dict = field(default_factory=dict)  # kimsite.media.card_specs' memo (same page objects)
    last: LastBuild | None = None  # the last build, when it succeeded: what kimsite.quick starts from


@dataclass
class LastBuild:
    """What a successful build leaves for the preview server's quick rebuild of edited bodies
    (kimsite.quick): the model and routes it rendered, and what every output was made from."""

    options: BuildOptions
    config: SiteConfig
    theme: Theme
    env: jinja2.Environment  # with its compiled templates: the theme has not changed if this is used
    ctx: ParseContext
    reserved_ids: frozenset[str]
    context_key: str
    sources: dict[str, Source]  # path → source
    pages: dict[str, Page]  # path → the page object in `model`
    model: SiteModel
    routes: dict[str, Route]  # output file → route
    body_assets: dict[str, dict[str, str]]  # page URL → files its body links to (kimsite.build._read_sources)
    media: SiteMedia
    copies: dict[str, Path]
    early: list[Diagnostic]  # the warnings reported before the phone-first step (which runs again)
    page_fps: dict[str, str]
    body_fps: dict[str, str]
    global_key: str
    images: int


Progress = Callable[[str], None]
# Workers are replaced after this many chunks of pages: a long-lived forked worker copies, page by page,
# everything of the parent it reads (see kimsite.parallel); 2 keeps a 10,000-page build under 300 MB.
_CHUNKS_PER_WORKER = int(os.environ.get("KIMSITE_CHUNKS_PER_WORKER", "2")) or None

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


def _walk_files(root: Path, rel_prefix: str, report: Report | None = None,
                shown: str = "") -> list[tuple[str, Path]]:
    """(relative POSIX path, file) of every non-ignored file under `root`, sorted, symlinks kept inside.
    With a `report`, a symlink leaving `root` or going nowhere is an error at `shown` + its path."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored(d))
        for name in sorted(filenames) + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            if is_ignored(name):
                continue
            path = Path(dirpath) / name
            where = shown + path.relative_to(root).as_posix()
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                if report is not None:
                    report.error(where, 0, "path.symlink_loop")
                continue
            if not target.is_relative_to(real_root):
                if report is not None:
                    report.error(where, 0, "path.symlink_outside", target=str(target))
                continue
            if path.is_dir():
                continue
            rel = path.relative_to(root).as_posix()
            found.append((f"{rel_prefix}{rel}" if rel_prefix else rel, path))
    return sorted(found)


class _LongLivedObjects:
    """Loading a site makes about a million objects that live for the whole build (pages, cache entries)
    and almost no garbage, so the cyclic collector only re-scans them again and again (~0.7 s of a
    10,000-page rebuild). It stays off while they are made, then they are frozen out of its sight."""

    def __enter__(self) -> _LongLivedObjects:
        self.enabled = gc.isenabled()
        self.owner = gc.get_freeze_count() == 0  # a caller that froze first keeps its own objects
        self.froze = False
        gc.disable()
        return self

    def loaded(self) -> None:
        if self.owner:
            gc.freeze()
            self.froze = True
        if self.enabled:
            gc.enable()

    def __exit__(self, *_exc: object) -> None:
        if self.froze:
            gc.unfreeze()
        if self.enabled:
            gc.enable()


def build(options: BuildOptions, progress: Progress | None = None,
          kept: KeptBuild | None = None, ticker: parallel.Ticker | None = None) -> BuildResult:
    """Build the site; raise `KimsiteError` (with every problem) and leave the old output when it fails.
    `ticker(phase, done, total)` follows the per-page phases (the CLI's progress bar)."""
    with _LongLivedObjects() as objects, build_cache.CacheSave(options.site_dir) as saving:
        return _build(options, progress, kept, ticker, objects, saving)


def _build(options: BuildOptions, progress: Progress | None, kept: KeptBuild | None,
           ticker: parallel.Ticker | None, objects: _LongLivedObjects,
           saving: build_cache.CacheSave) -> BuildResult:
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    site_dir = options.site_dir
    if kept is not None:
        kept.last = None  # set again only if this build succeeds
    config = load_config(site_dir, options.base_url)
    lang = config.bahasa
    if options.write:
        check_output_dir(options.output, site_dir, lang)
    report = Report()
    now = build_time()

    wilayah = load_wilayah(site_dir, config, report)
    theme = load_theme(site_dir, config)
    signatures: dict[str, build_cache.Signature | None] = {}  # every input file's, read once for this build
    signing = options.write and options.use_cache and kept is None
    inputs = _input_signature(options, theme, config, signatures) if signing else ""
    record = build_cache.load_record(site_dir) if inputs else None
    unchanged = _unchanged_output(options, record, inputs, now, config, [], started) if record else None
    if unchanged is None:
        store, notes = _open_cache(options, kept, lang)
        if inputs and record is None:  # no record to trust: the cache itself may still tell
            unchanged = _unchanged_output(options, build_cache.record_of(store), inputs, now, config, notes, started)
    del record  # ~45 MB at 100,000 pages, read only to decide the above
    if unchanged is not None:
        say("tidak ada masukan yang berubah sejak build terakhir (no input changed since the last build)")
        say(f"{unchanged.files} berkas di {options.output} sudah terbaru; tidak ada yang ditulis (output up to date)")
        return unchanged
    discovery = discover(site_dir, report)
    static_files = _walk_files(site_dir / STATIC_DIR, "", report, f"{STATIC_DIR}/")
    assets = set(discovery.assets) | {f"{STATIC_DIR}/{rel}" for rel, _ in static_files}
    say(f"{len(discovery.sources)} sumber")

    ctx = ParseContext(config, frozenset(r.kode for r in wilayah),
                       frozenset(slugify(r.kecamatan) for r in wilayah), now, site_dir)
    jobs = options.jobs or parallel.default_jobs()
    reserved_ids = template_ids(theme)
    # The sources table goes to the cache file as it is made; nothing else reads it (see CacheSave).
    sources_out = saving.stream_table("sources") if _saves_cache(options, kept) else None
    pages, body_assets, page_metas = _read_sources(site_dir, discovery, assets, ctx, reserved_ids,
                                                      store, jobs, ticker, report,
                                                      kept, signatures, sources_out)
    if sources_out is not None:
        sources_out.close()
    del signatures  # read only while parsing: ~24 MB at 100,000 pages, reused by the render
    _check_images(site_dir, pages, assets, store, report)
    model = build_model(config, wilayah, pages, now, options.drafts, report)
    objects.loaded()
    if model.kecamatan == [] and not report.has_errors():
        report.error(config.wilayah, 0, "wilayah.empty_list")

    page_routes = routes(model)
    claims = OutputClaims()
    for route in page_routes:
        claims.claim_route(route, report)
    copies = _plan_copies(site_dir, theme, static_files, pages, body_assets, model, claims, report)
    feeds = _feeds(model, claims, report)
    media = plan_media(site_dir, model, body_assets, assets, page_routes, load_words(theme, lang), claims, report,
                       kept.card_specs if kept is not None else None)
    phonefirst.claim_outputs(claims, report)
    del claims  # every output is claimed: ~30 MB at 100,000 pages, reused by the render

    if report.has_errors() or (options.strict and report.warnings):
        if options.strict and not report.has_errors():
            report.error("site.yaml", 0, "build.strict", count=len(report.warnings))
        raise KimsiteError(report.items, lang)

    finish_media(media, copies, say)  # encode images and share cards (cached), <picture> in bodies
    say(f"{len(page_routes)} halaman")
    writer = OutputWriter(options.output) if options.write else None
    plan = _output_plan(options, store, model, theme, config, media, pages, page_metas, writer, kept)
    plan.content_addressed = os.path.join(media.plan.root, "")  # encoded images, share cards, stripped copies
    try:  # pages are written into the writer's temp folder as they are rendered; nothing is swapped in yet
        env = template_environment(theme, config, media, plan)
        for rel in sorted(feeds):  # written now, not held through the render (~35 MB at 100,000 pages)
            plan.put_bytes(rel, feeds.pop(rel))
        rendered = _render_routes(env, theme, config, model, page_routes, lang, plan, jobs, ticker)
        rendered["sitemap.xml"] = sitemap(config.url, [r.url for r in page_routes
                                                       if r.template not in ("404.html", "redirect.html",
                                                                             "poster.html", "poster_semua.html")]
                                          ).encode()
        rendered["robots.txt"] = robots(config.url).encode()
        rendered[".nojekyll"] = b""
        early = list(report.items)
        phonefirst.finish(model, rendered, copies, report,  # search index, sw.js, page budgets
                          plan.analysis_of, lambda rel: plan.digest_of(rel, copies), plan.reuse_or_make,
                          plan.reuse_part, store.budgets, plan.fingerprint)
        if report.has_errors() or (options.strict and report.warnings):
            if options.strict and not report.has_errors():
                report.error("site.yaml", 0, "build.strict", count=len(report.warnings))
            raise KimsiteError(report.items, lang)
        _write_outputs(plan, rendered, copies)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    images = sum(1 for rel in plan.new if rel.lower().endswith(IMAGE_SUFFIXES))
    if inputs:
        store.snapshot = _snapshot(inputs, now, model, store, len(page_routes), images, report.warnings)
    _remember(options, store, plan, kept, saving)
    if kept is not None and kept.private_output and options.write:
        kept.last = LastBuild(options, config, theme, env, ctx, reserved_ids, _context_key(ctx, reserved_ids),
                              {s.path: s for s in discovery.sources}, {p.source.path: p for p in pages}, model,
                              {output_file(r.url): r for r in page_routes}, body_assets, media, copies, early,
                              plan.facts.page_fps, plan.facts.body_fps, plan.global_key, images)
    return BuildResult(config, len(page_routes), len(plan.new), 0, time.perf_counter() - started,
                       report.warnings, rendered, model, copies, images_encoded=media.encoded,  # type: ignore[arg-type]
                       notes=notes, images=images, written=plan.written)


class _LinkLookups:
    """The link tables a body is rendered against, remembering every question asked and its answer
    (a cached body stays valid while every answer is the same)."""

    def __init__(self, url_by_source: dict[str, str], assets: set[str]) -> None:
        self._urls = url_by_source
        self._assets = assets
        self.seen: list[tuple[str, str, object]] = []
        self.url_by_source = _Asked(self, "u", url_by_source)
        self.assets = _Asked(self, "a", assets)


class _Asked:
    def __init__(self, owner: _LinkLookups, kind: str, table: dict[str, str] | set[str]) -> None:
        self._owner, self._kind, self._table = owner, kind, table

    def get(self, key: str, default: object = None) -> object:
        answer = self._table.get(key, default)  # type: ignore[union-attr]
        self._owner.seen.append((self._kind + "g", key, answer))
        return answer

    def __contains__(self, key: object) -> bool:
        answer = key in self._table
        self._owner.seen.append((self._kind + "c", str(key), answer))
        return answer

    def __getitem__(self, key: str) -> str:
        return self._table[key]  # type: ignore[index]


def _lookups_hold(seen: tuple, url_by_source: dict[str, str], assets: set[str]) -> bool:
    for kind, key, answer in seen:
        table = url_by_source if kind[0] == "u" else assets
        now = table.get(key) if kind[1] == "g" else key in table  # type: ignore[union-attr]
        if now != answer:
            return False
    return True


def _apply_markdown(page: Page, rendered: object, report: Report) -> None:
    """Put a rendered body on its page and report its broken links and removed HTML."""
    page.body_html = rendered.html  # type: ignore[attr-defined]
    page.toc_html = rendered.toc_html  # type: ignore[attr-defined]
    page.body_text = plain_text(page.body_html)  # in the worker, remembered with the page in the cache
    for kind, target in rendered.missing:  # type: ignore[attr-defined]
        report.error(page.source.path, _body_line(page, target), f"markdown.missing_{kind}", target=target)
    if rendered.removed:  # type: ignore[attr-defined]
        report.warning(page.source.path, page.body_line, "markdown.sanitized",
                       removed=", ".join(rendered.removed[:5]))  # type: ignore[attr-defined]
    if not page.shows_image:
        # Later steps read the Markdown only to point at an image's line (kimsite.media); every other
        # page is held, cached and handed to workers without it (~2 KB a page, 20 MB at 10,000).
        page.body_md = ""


def _parse_one(site_dir: Path, source: Source, ctx: ParseContext, url_by_source: dict[str, str],
               assets: set[str], reserved_ids: frozenset[str]) -> build_cache.ParsedSource:
    """Parse one file and render its body (runs in a worker): everything the parent needs, as data."""
    report = Report()
    page = parse_page(site_dir, source, report, ctx)
    if page is None:
        return build_cache.ParsedSource(None, report.items, None, [], ())
    lookups = _LinkLookups(url_by_source, assets)
    context = LinkContext(page.source.path, page.url, lookups.url_by_source, lookups.assets,  # type: ignore[arg-type]
                          reserved_ids=reserved_ids)
    rendered = _renderer().render(page.body_md, context)
    md_report = Report()
    _apply_markdown(page, rendered, md_report)
    return build_cache.ParsedSource(page, report.items, dict(rendered.copied), md_report.items,
                                    tuple(lookups.seen), build_cache.meta_fingerprint(page))


def _open_cache(options: BuildOptions, kept: KeptBuild | None,
                lang: str) -> tuple[build_cache.BuildCache, list[str]]:
    """The preview server keeps its cache in memory; `kimsite build` reads `.kimsite-cache/`."""
    if kept is not None:
        if not isinstance(kept.store, build_cache.BuildCache) or kept.store.code != build_cache.code_key():
            kept.store = build_cache.BuildCache(code=build_cache.code_key())
        return kept.store, []  # type: ignore[return-value]
    if not options.use_cache:
        return build_cache.BuildCache(code=build_cache.code_key()), []
    store, problem = build_cache.load(options.site_dir)
    if problem is None:
        return store, []
    from kimsite.messages import render_message

    note = render_message("cache.discarded", {"path": f"{build_cache.CACHE_DIR}/{build_cache.CACHE_FILE}",
                                              "detail": problem}, lang)
    return store, [note]


def _context_key(ctx: ParseContext, reserved_ids: frozenset[str]) -> str:
    """Everything besides a file's bytes that parsing and rendering its body depend on."""
    return build_cache.text_digest(repr(ctx.config), ",".join(sorted(ctx.wilayah_codes)),
                                   ",".join(sorted(ctx.kecamatan_slugs)), ctx.now.date().isoformat(),
                                   ",".join(sorted(reserved_ids)), str(ctx.site_dir))


def _read_sources(site_dir: Path, discovery: Discovery, assets: set[str], ctx: ParseContext,
                  reserved_ids: frozenset[str], store: build_cache.BuildCache, jobs: int,
                  ticker: parallel.Ticker | None, report: Report, kept: KeptBuild | None = None,
                  signatures: dict[str, build_cache.Signature | None] | None = None,
                  sources_out: build_cache.TableStream | None = None
                  ) -> tuple[list[Page], dict[str, dict[str, str]], dict[str, str]]:
    """Parse every source and render its body: from the cache when the file and every link answer are
    unchanged, else on worker processes. Diagnostics keep the order of a one-by-one build (all parse
    problems in file order, then all body problems). Returns the pages, per page URL the files its body
    links to, and per source path the page's `meta_fingerprint`. `kept`: the server's state between builds.
    The entries of the new sources table go to `sources_out` when given (`store.sources` is then left
    empty), else to `store.sources`."""
    sources = discovery.sources
    url_by_source = {s.path: s.url for s in sources}
    context_key = _context_key(ctx, reserved_ids)
    # What each source gave, by its index, taken from its ParsedSource as soon as it is known. Kept whole
    # to the end, the ParsedSources (~760 bytes a page besides the page) and each page's unpickled copy
    # of its Source (~630 bytes, swapped for the discovered one) were freed only after every page had
    # been made, into holes no later object filled: ~135 MB of an edit rebuild's peak at 100,000 pages.
    pages_at: list[Page | None] = [None] * len(sources)
    metas_at: list[str] = [""] * len(sources)
    parse_problems: dict[int, list] = {}
    body_problems: dict[int, list] = {}
    links_at: dict[int, dict[str, str]] = {}
    fresh: dict[str, build_cache.SourceEntry] = {}
    todo: list[int] = []
    live = kept.parsed if kept is not None else None
    same_tables = kept is not None and kept.tables == (url_by_source, assets)
    root = os.path.join(site_dir, "")
    remember = sources_out.put if sources_out is not None else fresh.__setitem__
    bodies = _body_file(site_dir) if sources_out is not None else None

    def keep_body(parsed: build_cache.ParsedSource, body: bytes) -> None:
        """A packed body goes to the bodies file; the page keeps where (see BodyFile)."""
        nonlocal bodies
        if bodies is not None and body and parsed.page is not None:
            try:
                page_state(parsed.page)["_packed_body"] = bodies.add(body)
            except OSError:  # a full disk: the bodies stay in memory, as they would without the file
                bodies = None

    def settle(index: int, parsed: build_cache.ParsedSource) -> None:
        if parsed.parse_diagnostics:
            parse_problems[index] = parsed.parse_diagnostics
        if parsed.page is None:
            return
        source = sources[index]
        state = page_state(parsed.page)
        if state["source"] is not source and state["source"] == source:
            state["source"] = source  # the discovered one, not a second copy out of the pickle
        pages_at[index] = parsed.page
        metas_at[index] = parsed.meta
        if parsed.markdown_diagnostics:
            body_problems[index] = parsed.markdown_diagnostics
        if parsed.markdown:
            links_at[index] = parsed.markdown

    # Streamed, the loaded table's entries are let go one by one as they are read: its bytes (~215 MB at
    # 100,000 pages) make room for the pages unpickled from them, instead of being freed all at the end.
    take = store.sources.pop if sources_out is not None else store.sources.get
    for index, source in enumerate(sources):
        entry = take(source.path, None)
        parsed = _cached_source(root, source.path, entry, context_key, url_by_source, assets, live, same_tables,
                                signatures)
        if parsed is None or entry is None:
            todo.append(index)
            continue
        remember(source.path, entry)
        keep_body(parsed, entry.body)
        settle(index, parsed)

    def work(index: int) -> tuple:
        source = sources[todo[index]]
        path = site_dir / source.path
        signature = build_cache.file_signature(path)
        try:
            hashed = build_cache.digest(path.read_bytes())
        except OSError:
            hashed = ""
        parsed = _parse_one(site_dir, source, ctx, url_by_source, assets, reserved_ids)
        return signature, hashed, *build_cache.pack(parsed)

    for index, (signature, hashed, blob, body) in zip(todo, parallel.stream(work, len(todo), jobs, "sumber", ticker,
                                                                    chunks_per_worker=_CHUNKS_PER_WORKER),
                                                      strict=True):
        parsed = build_cache.unpack(blob, body)
        clean = hashed and not any(d.level == "error" for d in parsed.parse_diagnostics + parsed.markdown_diagnostics)
        if clean:
            remember(sources[index].path, build_cache.SourceEntry(signature, hashed, context_key, blob, body))
        keep_body(parsed, body)
        settle(index, parsed)
    store.sources = fresh
    if kept is not None and live is not None:
        for path in list(live):
            if path not in fresh or live[path][0] is not fresh[path].blob:
                del live[path]
        kept.tables = (url_by_source, set(assets))

    for index in sorted(parse_problems):
        report.extend(parse_problems[index])
    pages: list[Page] = []
    metas: dict[str, str] = {}
    body_assets: dict[str, dict[str, str]] = {}
    for index, page in enumerate(pages_at):
        if page is None:
            continue
        pages.append(page)
        report.extend(body_problems.get(index, ()))
        metas[sources[index].path] = metas_at[index]
        if index in links_at:
            body_assets[page.url] = links_at[index]
    return pages, body_assets, metas


def _body_file(site_dir: Path) -> BodyFile | None:
    folder = site_dir / build_cache.CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        return BodyFile(folder)
    except OSError:
        return None


def _cached_source(root: str, rel: str, entry: build_cache.SourceEntry | None, context_key: str,
                   url_by_source: dict[str, str], assets: set[str],
                   live: dict[str, tuple[bytes, object, bool]] | None = None,
                   same_tables: bool = False,
                   signatures: dict[str, build_cache.Signature | None] | None = None
                   ) -> build_cache.ParsedSource | None:
    """The cached parse of `rel` while its bytes and link answers hold. `root`: the site folder with a
    trailing separator. `same_tables`: the link tables equal those every `live` entry was checked with.
    `signatures`: file signatures this build already read (`_input_signature`), so no second stat."""
    if entry is None or entry.context != context_key:
        return None
    path = root + rel
    signature = signatures.get(path) if signatures else None
    if signature is None:
        signature = build_cache.file_signature(path)
    if signature is None:
        return None
    if signature != entry.signature:
        try:
            with open(path, "rb") as handle:
                if build_cache.digest(handle.read()) != entry.digest:
                    return None
        except OSError:
            return None
        entry.signature = signature
    held = live.get(rel) if live is not None else None
    if held is not None and held[0] is entry.blob:
        parsed = held[1]
        if same_tables:  # checked against these very answers in the build that kept it
            return parsed if held[2] else _private_copy(parsed)  # type: ignore[return-value,arg-type]
    else:
        try:
            parsed = build_cache.unpack(entry.blob, entry.body)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            return None
    if not isinstance(parsed, build_cache.ParsedSource) or not _lookups_hold(parsed.lookups, url_by_source, assets):
        return None
    if live is not None:
        shared = parsed.page is None or not parsed.page.shows_image
        live[rel] = (entry.blob, parsed, shared)
        return parsed if shared else _private_copy(parsed)
    return parsed


def _private_copy(parsed: build_cache.ParsedSource) -> build_cache.ParsedSource:
    """The only attribute a build replaces on a page is `body_html`, and only when it has an `<img>`
    (finish_media turns it into `<picture>`); such a page gets this copy, so the pristine one the server
    keeps never changes. Every other page is handed over as is (`_cached_source`): the same object
    build after build, which lets later steps remember work per page (card specs)."""
    pristine = parsed.page
    assert pristine is not None
    page = page_with_state(pristine, page_state(pristine))
    return build_cache.ParsedSource(page, parsed.parse_diagnostics, parsed.markdown, parsed.markdown_diagnostics,
                                    parsed.lookups, parsed.meta)


def _output_plan(options: BuildOptions, store: build_cache.BuildCache, model: SiteModel, theme: Theme,
                 config: SiteConfig, media: SiteMedia, pages: list[Page], page_metas: dict[str, str],
                 writer: OutputWriter | None, kept: KeptBuild | None) -> build_cache.OutputPlan:
    if kept is not None:  # the server: most bodies are the very strings the last build hashed
        body_fps = kept.fingerprints.of(pages)
    else:
        body_fps = {p.source.path: build_cache.body_fingerprint(p) for p in pages}
    nonce = os.urandom(8).hex()
    facts = build_cache.Facts(model, page_metas, theme.template_dirs, nonce, media=media, body_fps=body_fps)
    words = load_words(theme, config.bahasa)
    global_key = build_cache.text_digest(store.code, repr(config), repr(options.drafts),
                                         "|".join(str(f) for f in theme.folders), repr(sorted(words.items())))
    if writer is not None:
        writer.begin()
    previous = kept.previous if kept is not None else None
    plan = build_cache.OutputPlan(store, facts, global_key, writer, options.output if options.write else None,
                                  keep_bytes=writer is None or kept is not None, previous=previous)
    if options.use_cache:
        plan.cache_dir = options.site_dir / build_cache.CACHE_DIR
        shutil.rmtree(plan.cache_dir / "memo", ignore_errors=True)  # QR codes were kept there until 0.1.x
    plan.private = kept is not None and kept.private_output and plan.incremental
    return plan


def _write_outputs(plan: build_cache.OutputPlan, rendered: build_cache.OutputFiles, copies: dict[str, Path]) -> None:
    """Files made in this process (feeds, sitemap, search index, …) and copies; then swap or merge."""
    for rel in sorted(rendered):
        if rel not in plan.new:
            plan.put_bytes(rel, rendered[rel])
    for rel in sorted(copies):
        plan.put_copy(rel, copies[rel])
    plan.commit()


def _input_signature(options: BuildOptions, theme: Theme, config: SiteConfig,
                     signatures: dict[str, build_cache.Signature | None] | None = None) -> str:
    """Name, size, times and inode of every file a build could read (the site folder except its output
    and cache, and the theme chain), with the options: equal signatures mean equal inputs. Each file's
    signature also goes into `signatures` (path → signature) for the rest of the build.
    Any folder kimsite built into (it holds the output marker) is skipped too: a site built with
    `-o elsewhere` beside an old `build/` would otherwise stat its ~17,000 files (~2 s cold) for nothing.
    The one file `site.yaml` can name (`wilayah`) is signed on its own, wherever it is."""
    skip = {os.path.abspath(options.output), os.path.abspath(options.site_dir / build_cache.CACHE_DIR)}
    parts = [repr((str(options.output.absolute()), options.base_url, options.drafts, options.strict))]
    wilayah = os.path.join(options.site_dir, config.wilayah)
    parts.append(f"{wilayah}\0{build_cache.file_signature(wilayah)}")
    for root in [options.site_dir, *theme.folders]:
        for dirpath, dirnames, filenames in os.walk(root):
            if MARKER in filenames and dirpath != str(root):
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and os.path.abspath(os.path.join(dirpath, d)) not in skip)
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                signature = build_cache.file_signature(path)
                if signatures is not None:
                    signatures[path] = signature
                parts.append(f"{path}\0{signature}")
    return build_cache.text_digest(*parts)


TIME_FACTS = build_cache.TIME_FACTS


def agenda_ends(model: SiteModel) -> list[dt.datetime]:
    return [a.selesai or a.mulai for a in model.agenda if (a.selesai or a.mulai) is not None]


def clock_holds(then: dt.datetime, now: dt.datetime, ends: list[dt.datetime], facts: dict[str, str]) -> bool:
    """A build made at `then` is what a build at `now` would make: the same moment, or the same day
    (parsing depends on the date), no agenda end passed in between, and no output reading the time."""
    if now == then:
        return True
    if now.date() != then.date() or not TIME_FACTS.isdisjoint(facts):
        return False
    return all((end < then) == (end < now) for end in ends)


def _snapshot(inputs: str, now: dt.datetime, model: SiteModel, store: build_cache.BuildCache, pages: int,
              images: int, warnings: list[Diagnostic]) -> dict:
    """What a later build needs to tell, without reading any source, that its output would be the same."""
    return {"inputs": inputs, "now": now, "agenda_ends": agenda_ends(model),
            "pages": pages, "images": images, "warnings": list(warnings)}


def _unchanged_output(options: BuildOptions, record: build_cache.NoChangeRecord, inputs: str, now: dt.datetime,
                      config: SiteConfig, notes: list[str], started: float) -> BuildResult | None:
    """The no-change fast path: every input file and option as last time, the clock on the same side
    of every agenda's end and on the same day, and the output folder exactly as kimsite left it."""
    snap = record.snapshot
    if not snap or snap.get("inputs") != inputs or not record.outputs:
        return None
    if not clock_holds(snap["now"], now, snap["agenda_ends"], record.time_facts):
        return None
    out = options.output
    if record.out_dir != str(out.resolve()) or not (out / MARKER).is_file():
        return None
    if set(files_under(out)) - {MARKER} != set(record.outputs):
        return None
    root = str(out.absolute())
    for rel, signature in record.outputs.items():
        if signature is None or build_cache.file_signature(os.path.join(root, rel)) != signature:
            return None
    files = build_cache.OutputFiles(out.absolute(), out.absolute())
    for rel in record.outputs:
        files.set_file(rel, "out")
    return BuildResult(config, snap["pages"], len(record.outputs), 0, time.perf_counter() - started,
                       list(snap["warnings"]), files, None, {}, notes=notes,  # type: ignore[arg-type]
                       images=snap["images"], written=0)


def _remember(options: BuildOptions, store: build_cache.BuildCache, plan: build_cache.OutputPlan,
              kept: KeptBuild | None, saving: build_cache.CacheSave) -> None:
    plan.remember()
    if kept is not None:
        kept.previous = plan.files if plan.keep_bytes else None
    elif _saves_cache(options, kept):
        saving.finish(store)


def _saves_cache(options: BuildOptions, kept: KeptBuild | None) -> bool:
    """A command-line build with the cache on writes `.kimsite-cache/` (the server keeps it in memory)."""
    return kept is None and options.use_cache and options.write


def _body_line(page: Page, needle: str) -> int:
    index = page.body_md.find(needle)
    return page.body_line + (page.body_md.count("\n", 0, index) if index >= 0 else 0)


def _check_images(site_dir: Path, pages: list[Page], assets: set[str], store: build_cache.BuildCache,
                  report: Report) -> None:
    """Every image a page names exists and decodes; a file whose signature is unchanged since the last
    check is not decoded again."""
    checked: dict[str, str | None] = {}
    remembered: dict[str, tuple[build_cache.Signature, str | None]] = {}
    for page in pages:
        for ref in page.images:
            if ref.path not in assets:
                report.error(page.source.path, ref.line, "image.missing", src=ref.src)
                continue
            if ref.path not in checked:
                signature = build_cache.file_signature(site_dir / ref.path)
                known = store.image_checks.get(ref.path)
                if signature is not None and known is not None and known[0] == signature:
                    checked[ref.path] = known[1]
                else:
                    checked[ref.path] = check_image(site_dir / ref.path)
                if signature is not None:
                    remembered[ref.path] = (signature, checked[ref.path])
            problem = checked[ref.path]
            if problem:
                report.error(page.source.path, ref.line, problem, src=ref.src)
    store.image_checks = remembered


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


def template_environment(theme: Theme, config: SiteConfig, media: SiteMedia | None,
                         plan: build_cache.OutputPlan) -> jinja2.Environment:
    """The theme's Jinja environment, recording what each render reads, with compiled templates kept."""
    env = make_environment(theme, config, media, build_cache.RecordingEnvironment)
    build_cache.watch_filters(env)
    build_cache.TEMPLATE_CODE.folder = (plan.cache_dir / "jinja" / build_cache.text_digest(
        build_cache.code_key(), jinja2.__version__)[:16]) if plan.cache_dir is not None else None
    env.bytecode_cache = build_cache.TEMPLATE_CODE
    return env


_SEARCH_KINDS = {"umkm.html": "u", "berita.html": "b"}  # a page route whose page has a search entry


def _render_routes(env: jinja2.Environment, theme: Theme, config: SiteConfig, model: SiteModel,
                   page_routes: list[Route], lang: str, plan: build_cache.OutputPlan, jobs: int = 1,
                   ticker: parallel.Ticker | None = None) -> build_cache.OutputFiles:
    """Render the routes whose output is stale, on `jobs` workers. Each render records what it read
    (kimsite.cache), which decides when it must be rendered again."""
    build_cache.start_memo(plan.store.memo)
    plan.facts.env_globals = env.globals
    todo = [route for route in page_routes
            if plan.needs_render(output_file(route.url), route.url, route.template, route.origin, route.data)]

    def work(index: int) -> tuple | Diagnostic:
        route = todo[index]
        recorder = build_cache.start_recording()
        try:
            html = _render_one(env, theme, config, model, route)
        finally:
            build_cache.stop_recording()
        if isinstance(html, Diagnostic):
            return html
        stored = plan.store_rendered(output_file(route.url), prioritize_first_image(html).encode("utf-8"),
                                     recorder.keys)
        kind = _SEARCH_KINDS.get(route.template)
        part = None
        if kind is not None:  # the page's search-index entry, made here rather than in the parent
            page = route.data["page"]
            part = plan.part_here(f"{JSON_PART}{kind}:{page.source.path}",
                                  lambda: entry_json(model, kind, page))
        return stored, build_cache.take_memo(), part  # QR codes drawn (or found) for this page

    made: dict[str, object] = {}
    used: set[str] = set()
    problems: list[tuple[int, Diagnostic]] = []

    def take(index: int, result: tuple | Diagnostic) -> None:
        if isinstance(result, Diagnostic):
            problems.append((index, result))
        elif not problems:  # collected while the workers go on; a template problem stops the build
            stored, (page_made, page_hit), part = result
            plan.collect(stored)
            if part is not None:
                plan.file_part(*part)
            made.update(page_made)
            used.update(page_made, page_hit)

    here: list[int] = []
    others: list[int] = []
    for index, route in enumerate(todo):
        (here if _site_wide(route) else others).append(index)
    with build_cache.recording_hooks():
        if here and parallel.forks(len(others), jobs):
            # The parent renders the site-wide lists itself. A list touches the objects of every UMKM
            # it shows, and in a forked worker each touch copies a page of the parent's memory (the
            # reference count is written): at 100,000 pages the two workers rendering them held
            # ~400 MB each at once. The parent renders them between collecting the workers' results,
            # so they cost no time of their own; but each page of memory it touches then is copied
            # too (its copy beside the one the workers share). That grows with the site: ~300 MB at
            # 100,000 pages (measured), about a tenth of it at 10,000 (estimated). A site with
            # `PARENT_FIRST_ROUTES` pages to render or more has them rendered before the fork instead,
            # which copies nothing and costs their time (~20 s at 100,000 pages on 2 cores, ~7% of
            # the build).
            collected_before = plan.collected_count()
            queue = iter(here)
            tick = ticker or (lambda _phase, _done, _total: None)
            done_here = done_workers = 0

            def render_here() -> bool:
                nonlocal done_here
                index = next(queue, None)
                if index is None:
                    return False
                take(index, work(index))
                done_here += 1
                if done_here % 64 == 0:
                    tick("halaman", done_workers + done_here, len(todo))
                return True

            def tick_workers(phase: str, done: int, _total: int) -> None:
                nonlocal done_workers
                done_workers = done
                tick(phase, done + done_here, len(todo))

            if len(todo) >= PARENT_FIRST_ROUTES:
                while render_here():
                    pass
            for position, result in enumerate(parallel.stream(
                    lambda k: work(others[k]), len(others), jobs, "halaman",
                    tick_workers, chunks_per_worker=_CHUNKS_PER_WORKER, idle=render_here)):
                take(others[position], result)
            while render_here():
                pass
            tick("halaman", len(todo), len(todo))
            # Collected out of order: put them in route order, as one process would have.
            plan.order_collected(collected_before, [output_file(route.url) for route in todo])
        else:
            for index, result in enumerate(parallel.stream(work, len(todo), jobs, "halaman", ticker,
                                                           chunks_per_worker=_CHUNKS_PER_WORKER)):
                take(index, result)
    problems.sort(key=lambda found: found[0])
    if problems:
        raise KimsiteError([problems[0][1]], lang)
    build_cache.remember_memo(plan.store, made, used, complete=len(todo) == len(page_routes))
    return plan.files


# From this many pages to render on, the parent renders the site-wide ones before it forks (see
# `_render_routes`): memory over time, where a copy of the parent's memory would cost ~300 MB.
PARENT_FIRST_ROUTES = 50_000

# Pages that list the whole site: every UMKM, berita or kelurahan, or counts over them.
_SITE_WIDE = frozenset({"beranda.html", "kelurahan_daftar.html", "kim.html", "statistik.html", "cari.html"})
_SITE_WIDE_LISTS = frozenset({"umkm_daftar.html", "berita_daftar.html", "agenda_daftar.html"})


def _site_wide(route: Route) -> bool:
    return route.template in _SITE_WIDE or (route.template in _SITE_WIDE_LISTS and route.data.get("kel") is None)


def _render_one(env: jinja2.Environment, theme: Theme, config: SiteConfig, model: SiteModel,
                route: Route) -> str | Diagnostic:
    links = PageLinks(config, route.url, absolute=route.template == "404.html")
    try:
        template = env.get_template(route.template)
        return template.render(site=model, config=config, route=route, url=links.url,
                               abs_url=links.abs_url, current_url=route.url, **route.data)
    except jinja2.TemplateSyntaxError as exc:
        return _template_problem(theme, exc.filename or exc.name or route.template, exc.lineno,
                                 "theme.syntax", str(exc.message))
    except jinja2.TemplateNotFound as exc:
        return _template_problem(theme, route.template, 0, "theme.template_missing", str(exc))
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError, KeyError) as exc:
        line, filename = _template_traceback(exc)
        return _template_problem(theme, filename or route.template, line, "theme.render",
                                 f"{type(exc).__name__}: {exc}", url=route.url)


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


__all__ = ["BuildOptions", "BuildResult", "KeptBuild", "build", "CONTENT_DIR"]
