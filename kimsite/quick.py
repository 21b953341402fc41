"""The preview server's quick rebuild: Markdown files whose body alone changed.

The common edit while previewing is a sentence in one page. A full build (kimsite.build) still visits
every page to find that out: discovery, the cache check of every source, the model, the routes, the
fact of every output (~0.7 s at 10,000 pages). Here the server says which files changed, and when each
is an existing page whose front matter and everything else but the body are exactly as before, the
rest of the site *is* the last build's: the model, the routes, the output claims, images and copies
all stay. What remains is the general machinery on a handful of pages: re-parse and render those files,
swap the new body into the page object the model holds, ask the cache which outputs read that page
(their recorded facts), render those again, splice the search index (only entries that read a changed
fact are made again), redo the feeds and service worker, and write only the files whose bytes changed.

Anything else — a new, deleted or renamed file, a change in front matter, a problem in the new body,
an image in the body, another day on the clock or an agenda ending in between — returns None, and the
server runs the full build.
The result equals a clean build's bytes (tests/test_quick.py compares the two after each kind of edit).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
from collections.abc import Callable, Iterable

from kimsite import cache as build_cache
from kimsite import phonefirst
from kimsite.build import (
    TIME_FACTS,
    BuildOptions,
    BuildResult,
    KeptBuild,
    LastBuild,
    _feeds,
    _parse_one,
    _render_one,
    agenda_ends,
    build_time,
    clock_holds,
)
from kimsite.content import BODY_FIELDS, Berita, Page, replace_body
from kimsite.errors import Diagnostic, Report
from kimsite.images import prioritize_first_image
from kimsite.offline import SW_FILE
from kimsite.search import INDEX_FILE, JSON_PART, entry_json, join_index
from kimsite.site import OutputClaims


def rebuild_bodies(options: BuildOptions, kept: KeptBuild, edited: Iterable[str]) -> BuildResult | None:
    """Rebuild after `edited` (site-relative paths of changed Markdown files) when only their bodies
    changed; None when that is not the case (or not certain): then no output has changed."""
    enabled = gc.isenabled()
    gc.disable()  # the server holds millions of objects: one full collection would cost more than this
    try:
        return _rebuild_bodies(options, kept, edited)
    finally:
        if enabled:
            gc.enable()


def _rebuild_bodies(options: BuildOptions, kept: KeptBuild, edited: Iterable[str]) -> BuildResult | None:
    started = time.perf_counter()
    last = kept.last
    store = kept.store
    if last is None or last.options != options or not isinstance(store, build_cache.BuildCache):
        return None
    edited = sorted(set(edited))
    if not edited or not clock_holds(last.model.now, build_time(), agenda_ends(last.model), store.facts):
        return None
    fresh = []
    for rel in edited:
        found = _reparse(last, store, kept.tables, rel)  # type: ignore[arg-type]
        if found is None:
            return None
        fresh.append(found)
    kept.last = None  # from here on the kept state changes: a failure below leaves only the full build
    page_fps, body_fps = dict(last.page_fps), dict(last.body_fps)
    for rel, (page, parsed, entry) in zip(edited, fresh, strict=True):
        replace_body(page, parsed.page)
        parsed.page = page  # the cache entry's blob holds the same page; the server keeps this object
        kept.parsed[rel] = (entry.blob, parsed, True)
        page_fps[rel] = parsed.meta  # equal fields: the same as before
        body_fps[rel] = build_cache.body_fingerprint(page)
    result = _render_changed(options, kept, last, page_fps, body_fps, edited, started)
    if result is not None:
        kept.last = dataclasses.replace(last, page_fps=page_fps, body_fps=body_fps)
    return result


def _reparse(last: LastBuild, store: build_cache.BuildCache, tables: tuple[dict[str, str], set[str]],
             rel: str) -> tuple[Page, build_cache.ParsedSource, build_cache.SourceEntry] | None:
    """The edited file parsed and rendered, if it is the same page as before but for its body: the page
    object the model holds, the new parse, and its cache entry. A parse without errors goes into the
    cache either way, so the full build that runs when this says None does not render the body again."""
    source = last.sources.get(rel)
    page = last.pages.get(rel)
    before = store.sources.get(rel)
    if source is None or page is None or before is None or page.shows_image:
        return None  # not a page of the last build, or one with an image in its body
    old = build_cache.unpack(before.blob, before.body)  # what parsing it said last time (the page itself is `page`)
    path = last.options.site_dir / rel
    signature = build_cache.file_signature(path)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    parsed = _parse_one(last.options.site_dir, source, last.ctx, *tables, last.reserved_ids)
    if any(d.level == "error" for d in parsed.parse_diagnostics + parsed.markdown_diagnostics):
        return None
    entry = build_cache.SourceEntry(signature, build_cache.digest(data), last.context_key, *build_cache.pack(parsed))
    store.sources[rel] = entry
    new = parsed.page
    if (new is None or type(new) is not type(page) or new.shows_image
            or parsed.parse_diagnostics != old.parse_diagnostics
            or parsed.markdown_diagnostics != old.markdown_diagnostics
            or (parsed.markdown or {}) != last.body_assets.get(page.url, {})):
        return None  # its warnings or the files its body links to changed, or it shows an image now
    for item in dataclasses.fields(page):
        if item.name not in BODY_FIELDS and getattr(new, item.name) != getattr(page, item.name):
            return None  # front matter (or what it decides) changed: lists, routes and the model may too
    return page, parsed, entry


def _render_changed(options: BuildOptions, kept: KeptBuild, last: LastBuild, page_fps: dict[str, str],
                    body_fps: dict[str, str], edited: list[str], started: float) -> BuildResult | None:
    """Render the outputs that read what changed, then the files made from the whole model; write what
    differs. The bookkeeping is the build's own (kimsite.cache.OutputPlan), seeded with the last build."""
    store: build_cache.BuildCache = kept.store  # type: ignore[assignment]
    previous = kept.previous
    if not isinstance(previous, build_cache.OutputFiles):
        return None
    facts = build_cache.Facts(last.model, page_fps, last.theme.template_dirs, os.urandom(8).hex(),
                              env_globals=last.env.globals, media=last.media, body_fps=body_fps)
    plan = build_cache.OutputPlan(store, facts, last.global_key, None, options.output, keep_bytes=True,
                                  previous=previous)
    # A page's "p:"/"b:" fact is its entry in page_fps/body_fps, which changed for the edited pages only;
    # every other fact (a kelurahan's list, a property, a template) is asked again as a full build would.
    own = {f"{kind}:{rel}" for rel in edited for kind in "pb"}
    changed = {key for key, value in store.facts.items()
               if (key[:2] not in ("p:", "b:") or key in own) and facts.value(key) != value}
    plan.continue_last(changed)
    stale = [rel for rel, entry in store.outputs.items() if not changed.isdisjoint(entry.deps)]
    if any(rel not in last.routes and rel != INDEX_FILE for rel in stale):
        return None  # an output this module does not know how to make again
    todo = [rel for rel in stale if rel in last.routes]

    clock_moved = last.model.now != build_time()
    build_cache.start_memo(store.memo)
    made: dict = {}
    used: set[str] = set()
    with build_cache.recording_hooks():
        for rel in todo:
            route = last.routes[rel]
            plan.route_keys[rel] = store.outputs[rel].key  # the same route data: the same key
            recorder = build_cache.start_recording()
            try:
                html = _render_one(last.env, last.theme, last.config, last.model, route)
            finally:
                build_cache.stop_recording()
            if isinstance(html, Diagnostic) or (clock_moved and not TIME_FACTS.isdisjoint(recorder.keys)):
                return None  # a template problem (the full build reports it) or a new read of the clock
            plan.collect(plan.store_rendered(rel, prioritize_first_image(html).encode("utf-8"), recorder.keys))
            page_made, page_hit = build_cache.take_memo()
            made.update(page_made)
            used.update(page_made, page_hit)
    build_cache.remember_memo(store, made, used, complete=False)

    report = Report()
    report.extend(last.early)
    rendered = plan.files
    remade: list[str] = []
    if any(isinstance(last.pages[rel], Berita) for rel in edited):  # feeds carry berita bodies
        for rel, data in _feeds(last.model, OutputClaims(), report).items():
            plan.put_bytes(rel, data)  # before the service worker hashes every output
            remade.append(rel)
    phonefirst.finish(last.model, rendered, last.copies, report, plan.analysis_of,
                      lambda rel: plan.digest_of(rel, last.copies), _IndexSplice(plan, last, changed),
                      plan.reuse_part, store.budgets, plan.fingerprint)
    if report.has_errors():
        return None
    plan.put_bytes(SW_FILE, rendered[SW_FILE])  # made in this process, like the feeds (no recorded reads)
    remade.append(SW_FILE)
    # the search index, when made again, was collected with what it read (_IndexSplice)

    written = _write(options, plan, previous, [*todo, *remade, INDEX_FILE])
    _remember(store, plan, facts, changed)
    kept.previous = plan.files
    return BuildResult(last.config, len(last.routes), len(plan.new), 0, time.perf_counter() - started,
                       report.warnings, rendered, last.model, last.copies, notes=[], images=last.images,
                       written=written)


class _IndexSplice:
    """phonefirst.finish's `make_index`: the search index with only the entries that read a changed
    fact made again, joined with the others as kept. The model is the last build's, so its entries come
    in the same order; an entry whose facts hold has the same text (what OutputPlan.reuse_part relies
    on too). The file's facts grow by those of the new entries (a superset: never a stale index)."""

    def __init__(self, plan: build_cache.OutputPlan, last: LastBuild, changed: set[str]) -> None:
        self.plan, self.last, self.changed = plan, last, changed

    def __call__(self, rel: str, make: Callable[[], list[bytes]]) -> bytes | None:
        plan, store = self.plan, self.plan.store
        entry = store.outputs.get(rel)
        if entry is None or self.changed.isdisjoint(entry.deps):
            return plan.reuse_or_make(rel, make)  # kept as it is
        prefix = f"{plan.global_key}|{JSON_PART}"
        keys = [key for key in store.parts if key.startswith(prefix)]
        if not keys:
            return plan.reuse_or_make(rel, make)
        kelurahan = {kel.kode: kel for kel in self.last.model.kelurahan}
        fragments: list[bytes] = []
        deps = set(entry.deps)
        with build_cache.recording_hooks():
            for key in keys:
                old_deps, text = store.parts[key]
                if not self.changed.isdisjoint(old_deps):
                    kind, _, name = key[len(prefix):].partition(":")
                    subject = kelurahan.get(name) if kind == "k" else self.last.pages.get(name)
                    if subject is None:
                        raise LookupError(f"no subject for search entry {key!r}")  # the server's full build runs
                    text = plan.reuse_part(JSON_PART + key[len(prefix):],
                                           lambda kind=kind, subject=subject: entry_json(self.last.model, kind,
                                                                                          subject))
                    deps.update(plan.new_parts[key][0])
                fragments.append(text)
        data = join_index(fragments)
        plan.route_keys[rel] = "made:" + plan.global_key
        plan.collect(plan.store_rendered(rel, data, deps))
        return data


def _write(options: BuildOptions, plan: build_cache.OutputPlan, previous: build_cache.OutputFiles,
           candidates: list[str]) -> int:
    """Replace each output whose bytes changed (temp file + rename: a reader never sees half a page)."""
    root = options.output
    written = 0
    old = previous.held()
    for rel in dict.fromkeys(candidates):
        data = plan.files.held().get(rel)
        if type(data) is not bytes or data == old.get(rel):
            continue
        target = root.joinpath(*rel.split("/"))
        temp = target.with_name(f".{target.name}.kimsite-tmp")
        temp.write_bytes(data)
        os.replace(temp, target)
        plan.new[rel].signature = build_cache.file_signature(target)
        written += 1
    return written


def _remember(store: build_cache.BuildCache, plan: build_cache.OutputPlan, facts: build_cache.Facts,
              changed: set[str]) -> None:
    """`OutputPlan.remember` without visiting every output: the facts that changed or were newly read
    get their values; the rest are as the last build stored them."""
    values = dict(store.facts)
    for key in changed:
        values[key] = facts.value(key)
    for rel, entry in plan.new.items():
        if entry is store.outputs.get(rel):
            continue  # kept as the last build left it
        for key in entry.deps:
            if key not in values:
                values[key] = facts.value(key)
    store.outputs = plan.new
    store.facts = values
    if plan.new_parts:  # only the entries made again: the others stay, in their order
        store.parts = {**store.parts, **plan.new_parts}
