"""`kimsite check`: everything `build` validates, plus checks of the built pages, without writing.

It calls the same `build()` with `write=False` (every page rendered in memory), then adds:
- internal links and `#anchors` of the built pages, resolved under the base path (`linkcheck.py`),
  reported at the source file and line that holds the link;
- images too heavy for phones (> 1 MB) or too large (> 4000 px on a side): warnings.
Stale listings, expired P-IRT, UMKM without photos and without a contact are already reported by
the build itself (content.py), so they come out of the same report.

Output formats: `text` (`path:line: pesan`), `json` (a list of {path, line, level, message}) and
`github` (workflow commands `::error file=…,line=…::…`, shown on the pull request's lines).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kimsite.build import BuildOptions, BuildResult, build
from kimsite.content import Page
from kimsite.errors import Diagnostic, KimsiteError, Report, format_diagnostic
from kimsite.images import IMAGE_SUFFIXES
from kimsite.linkcheck import (
    MISSING_FILE,
    MISSING_FRAGMENT,
    OUTSIDE_BASE,
    OUTSIDE_SITE,
    RELATIVE_IN_404,
    UNSAFE_SCHEME,
    BrokenLink,
    check_links,
    is_html,
)
from kimsite.site import routes
from kimsite.urls import output_file

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4000
FORMATS = ("text", "json", "github")
_LINK_KEYS = {
    MISSING_FILE: "check.link_missing",
    MISSING_FRAGMENT: "check.link_fragment",
    OUTSIDE_BASE: "check.link_outside_base",
    OUTSIDE_SITE: "check.link_outside_site",
    RELATIVE_IN_404: "check.link_relative_404",
    UNSAFE_SCHEME: "check.link_unsafe",
}


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    lang: str

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]


def run_check(site_dir: Path, base_url: str | None = None, drafts: bool = False) -> CheckResult:
    """Build in memory and check the result; content errors come back as diagnostics, never raised."""
    try:
        result = build(BuildOptions(site_dir=site_dir, base_url=base_url, drafts=drafts, write=False))
    except KimsiteError as error:
        return CheckResult(list(error.diagnostics), error.lang)
    report = Report()
    report.extend(result.warnings)
    check_built_links(site_dir, result, report)
    check_image_sizes(site_dir, result, report)
    return CheckResult(sorted(set(report.items), key=Diagnostic.sort_key), result.config.bahasa)


# -- links ------------------------------------------------------------------------------------------

def check_built_links(site_dir: Path, result: BuildResult, report: Report) -> None:
    files = dict(result.rendered)
    for rel, source in result.copies.items():
        files[rel] = source.read_bytes() if is_html(rel) else b""
    origins: dict[str, tuple[str, Page | None]] = {}
    if result.model is not None:
        for route in routes(result.model):
            page = route.data.get("page")
            origins[output_file(route.url)] = (route.origin, page if route.origin == getattr(
                getattr(page, "source", None), "path", None) else None)
    seen: set[tuple[str, str, str]] = set()
    for broken in check_links(files, result.config.base_path, result.config.url):
        origin, page = origins.get(broken.page, ("", None))
        path, line = _link_location(site_dir, broken, origin, page, result.copies)
        if (path, broken.link, broken.problem) in seen:
            continue
        seen.add((path, broken.link, broken.problem))
        shown_page = "/" + broken.page.removesuffix("index.html")
        report.error(path, line, _LINK_KEYS.get(broken.problem, "check.link_missing"), link=broken.link,
                     page=shown_page, base=result.config.base_path)


def _link_location(site_dir: Path, broken: BrokenLink, origin: str, page: Page | None,
                   copies: dict[str, Path]) -> tuple[str, int]:
    """The source file and line a broken link comes from (the theme's, for generated pages)."""
    if page is not None:
        return page.source.path, _find_line(site_dir / page.source.path, broken.link, page.body_line)
    if broken.page in copies:
        source = copies[broken.page]
        try:
            shown = source.resolve().relative_to(site_dir.resolve()).as_posix()
        except ValueError:
            shown = f"(tema) {broken.page}"
        return shown, _find_line(source, broken.link, 0)
    return (origin if origin and not origin.startswith("(") else f"(tema) {broken.page}"), 0


def _find_line(path: Path, link: str, fallback: int) -> int:
    """1-based line of the first mention of `link` (or its #fragment, or its last segment) in `path`."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return fallback
    needles = [link]
    if "#" in link:
        needles.append(link[link.index("#"):])
    tail = link.split("#")[0].rstrip("/").rsplit("/", 1)[-1]
    if tail and tail not in (".", ".."):
        needles.append(tail)
    for needle in needles:
        for number, text in enumerate(lines, start=1):
            if needle in text:
                return number
    return fallback


# -- images -----------------------------------------------------------------------------------------

def check_image_sizes(site_dir: Path, result: BuildResult, report: Report) -> None:
    """Warn about images too heavy or too large for the web, at the line that names them."""
    named: set[str] = set()
    if result.model is not None:
        for page in _all_pages(result):
            for ref in page.images:
                named.add(ref.path)
                _check_one(site_dir / ref.path, ref.src, page.source.path, ref.line, report)
    for rel, source in sorted(result.copies.items()):
        if not rel.lower().endswith(IMAGE_SUFFIXES):
            continue
        try:
            site_rel = source.resolve().relative_to(site_dir.resolve()).as_posix()
        except ValueError:
            continue  # the theme's own images
        if not site_rel.startswith(("content/", "static/")):
            continue  # made by kimsite (resized copies in its cache), not by the volunteers
        if site_rel in named:
            continue
        named.add(site_rel)
        _check_one(source, site_rel.split("/")[-1], site_rel, 0, report)


def _all_pages(result: BuildResult) -> list[Page]:
    model = result.model
    assert model is not None
    pages: list[Page] = [*model.umkm, *model.berita, *model.agenda, *model.halaman]
    for kel in model.kelurahan:
        if kel.page is not None:
            pages.append(kel.page)
        pages += kel.halaman
    pages += [k.page for k in model.kecamatan if k.page is not None]
    unique: dict[int, Page] = {id(p): p for p in pages}
    return sorted(unique.values(), key=lambda p: p.source.path)


def _check_one(path: Path, src: str, where: str, line: int, report: Report) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > MAX_IMAGE_BYTES:
        report.warning(where, line, "check.image_heavy", src=src, size=f"{size / 1_048_576:.1f}".replace(".", ","))
    try:
        with Image.open(path) as img:
            width, height = img.size
    except (OSError, UnidentifiedImageError, ValueError):
        return  # an unreadable image is already a build error
    if max(width, height) > MAX_IMAGE_SIDE:
        report.warning(where, line, "check.image_large", src=src, width=width, height=height)


# -- output -----------------------------------------------------------------------------------------

def format_text(result: CheckResult) -> str:
    return "\n".join(format_diagnostic(d, result.lang) for d in result.diagnostics)


def format_json(result: CheckResult) -> str:
    items = [{"path": d.path, "line": d.line, "level": d.level, "message": d.text(result.lang)}
             for d in result.diagnostics]
    return json.dumps(items, ensure_ascii=False, indent=2)


def escape_data(text: str) -> str:
    """GitHub workflow command data: `%`, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub workflow command property: as data, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(result: CheckResult, prefix: str = "") -> str:
    """One workflow command per diagnostic; `prefix` is the site folder inside the repository."""
    lines = []
    for d in result.diagnostics:
        path = d.path if d.path.startswith("(") or not prefix else f"{prefix.rstrip('/')}/{d.path}"
        props = [f"file={escape_property(path)}"]
        if d.line:
            props.append(f"line={d.line}")
        props.append(f"title={escape_property('kimsite check')}")
        lines.append(f"::{d.level} {','.join(props)}::{escape_data(d.text(result.lang))}")
    return "\n".join(lines)


def render(result: CheckResult, fmt: str, prefix: str = "") -> str:
    if fmt == "github":
        return format_github(result, prefix)
    return {"text": format_text, "json": format_json}[fmt](result)


def summary(result: CheckResult) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    if result.lang == "en":
        return f"Check: {errors} error(s), {warnings} warning(s)."
    return f"Pemeriksaan: {errors} galat, {warnings} peringatan."


