"""Themes: lookup and inheritance, the Jinja environment, filters and the theme's words.

A theme is a folder with `templates/`, `static/`, `i18n/<bahasa>.yaml` and an optional `tema.yaml`
naming its parent (`induk: default`). A site's own `themes/<name>` wins over the bundled themes, so a
site overrides one template or one static file by putting just that file in its theme folder.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from kimsite.config import SiteConfig
from kimsite.errors import KimsiteError, Report
from kimsite.formats import (
    day_name,
    format_date,
    format_datetime,
    format_month,
    format_rupiah,
    format_thousands,
    format_time,
    strip_tags,
)
from kimsite.poster import qr_svg
from kimsite.urls import absolute_url, relative_url
from kimsite.yamlread import YamlMap, YamlProblem, load

THEME_FILE = "tema.yaml"
MAX_CHAIN = 8


def bundled_themes_dir() -> Path:
    """Themes shipped with kimsite: inside the package when installed, the repo's `themes/` in a checkout."""
    packaged = Path(__file__).parent / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    folders: tuple[Path, ...]  # most specific first

    @property
    def template_dirs(self) -> list[str]:
        return [str(f / "templates") for f in self.folders if (f / "templates").is_dir()]

    @property
    def static_dirs(self) -> list[Path]:
        """Static folders, most general first, so later ones override earlier ones."""
        return [f / "static" for f in reversed(self.folders) if (f / "static").is_dir()]


def _find_theme(site_dir: Path, name: str) -> Path | None:
    for base in (site_dir / "themes", bundled_themes_dir()):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    return None


def load_theme(site_dir: Path, config: SiteConfig) -> Theme:
    """Resolve `tema` and its chain of parents; a missing theme or a loop is a config error."""
    report = Report()
    folders: list[Path] = []
    name = config.tema
    origin, line = "site.yaml", config.lines.get("tema", 0)
    seen: set[Path] = set()
    while name:
        folder = _find_theme(site_dir, name)
        if folder is None:
            report.error(origin, line, "theme.missing", name=name)
            break
        # The site's own `themes/default` may extend the bundled `default` of the same name.
        if folder.resolve() in seen:
            bundled = bundled_themes_dir() / name
            if bundled.is_dir() and bundled.resolve() not in seen:
                folder = bundled
            else:
                report.error(origin, line, "theme.loop", name=name)
                break
        seen.add(folder.resolve())
        folders.append(folder)
        if len(folders) > MAX_CHAIN:
            report.error(origin, line, "theme.loop", name=name)
            break
        meta = folder / THEME_FILE
        name = ""
        if meta.is_file():
            origin = _display(site_dir, meta)
            try:
                data = load(meta.read_text(encoding="utf-8-sig"))
            except (YamlProblem, UnicodeDecodeError, OSError) as exc:
                report.error(origin, getattr(exc, "line", 0), "theme.bad_meta")
                break
            if isinstance(data, YamlMap):
                parent = data.get("induk")
                line = data.line_of("induk")
                if parent is not None and not isinstance(parent, str):
                    report.error(origin, line, "theme.bad_meta")
                    break
                name = parent or ""
    if report.has_errors():
        raise KimsiteError(report.items, config.bahasa)
    return Theme(config.tema, tuple(folders))


def _display(site_dir: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(site_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def template_ids(theme: Theme) -> frozenset[str]:
    """The literal `id="…"` values of the theme's templates; Markdown bodies must not reuse them."""
    found: set[str] = set()
    for folder in theme.template_dirs:
        for path in sorted(Path(folder).rglob("*.html")):
            found.update(re.findall(r'\bid="([A-Za-z0-9_:.-]+)"', path.read_text(encoding="utf-8")))
    return frozenset(found)


def load_words(theme: Theme, lang: str) -> dict[str, str]:
    """The theme's words for `lang`, parents first so a child theme overrides single words."""
    words: dict[str, str] = {}
    for folder in reversed(theme.folders):
        path = folder / "i18n" / f"{lang}.yaml"
        if path.is_file():
            data = load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                words.update({str(k): str(v) for k, v in data.items()})
    return words


class RecordingLoader(jinja2.FileSystemLoader):
    """A loader that remembers which template files were read (for incremental rebuilds)."""

    def __init__(self, searchpath: list[str]) -> None:
        super().__init__(searchpath)
        self.used: dict[str, str] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        self.used[template] = filename
        return source, filename, uptodate


class Words(dict):
    """Theme words; a missing word is a theme bug, so it fails loudly rather than printing nothing."""

    def __missing__(self, key: str) -> str:
        raise jinja2.UndefinedError(f"kata tema '{key}' tidak ada di i18n")

    def __getattr__(self, key: str) -> str:
        # `t.word` in a template: Jinja tries the attribute first, then the item; answering here saves
        # an AttributeError per word (dict methods such as `t.items` are real attributes and win, as before).
        # A missing word is still an AttributeError here, so Jinja's item lookup raises the loud error above.
        value = self.get(key)
        if value is None:
            raise AttributeError(key)
        return value


def make_environment(theme: Theme, config: SiteConfig, media: Any = None,
                     environment_class: type[jinja2.Environment] = jinja2.Environment) -> jinja2.Environment:
    """`environment_class`: the build passes one that records what each render reads (kimsite.cache)."""
    loader = RecordingLoader(theme.template_dirs)
    env = environment_class(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: templates cannot change under it, so no stat per include
    )
    lang = config.bahasa
    env.globals["t"] = Words(load_words(theme, lang))
    env.globals["lang"] = lang
    _image_globals(env, media)
    _phone_first_globals(env, config)
    env.filters.update({
        "rupiah": lambda v: format_rupiah(v, config.harga_spasi, lang),
        "angka": lambda v: format_thousands(v, lang),
        "tanggal": lambda v, weekday=True: format_date(v.date() if hasattr(v, "date") else v, lang, weekday),
        "tanggal_waktu": lambda v: format_datetime(v, lang),
        "bulan": lambda v: format_month(v, lang),
        "jam": format_time,
        "hari": lambda v: day_name(v, lang),
        "wa": whatsapp_link,
        "tel": lambda v: "tel:" + "".join(c for c in v if c.isdigit() or c == "+"),
        "osm": lambda loc: f"https://www.openstreetmap.org/?mlat={loc.lat}&mlon={loc.lon}#map=18/{loc.lat}/{loc.lon}",
        "gmaps": lambda loc: f"https://www.google.com/maps/search/?api=1&query={loc.lat},{loc.lon}",
        "jsonld": jsonld,
        "iso": lambda v: v.isoformat(),
        # Printable posters: an inline SVG QR code made at build time (~4 ms each); the build remembers
        # each code in its cache (kimsite.cache.watch_filters), so a page and its poster sheet share one.
        "qr": qr_svg,
        "striptags": striptags,
    })
    return env


def _image_globals(env: jinja2.Environment, media: Any) -> None:
    """`gambar(ref, 'kartu')` → `<picture>` of an image named by content, with links relative to the page
    being rendered (its `url()`); `kartu(current_url)` → the page's share card (url, alt, width, height)."""

    @jinja2.pass_context
    def gambar(context: Any, ref: Any, layout: str = "isi", kelas: str = "") -> Markup:
        link = context["url"]
        if media is None:
            return Markup('<img src="{}" alt="{}" loading="lazy" decoding="async">').format(link(ref.url), ref.alt)
        return media.picture(ref, link, layout, kelas)

    env.globals["gambar"] = gambar
    env.globals["kartu"] = lambda page_url: media.card(page_url) if media is not None else None


def striptags(value: Any) -> str:
    """Jinja's `striptags`, remembered per text (a body is stripped on its page and in every list)."""
    if hasattr(value, "__html__"):
        value = value.__html__()
    return strip_tags(str(value))


def whatsapp_link(number: str, text: str = "") -> str:
    url = f"https://wa.me/{number}"
    return f"{url}?text={quote(text, safe='')}" if text else url


def jsonld(data: Any) -> Markup:
    """JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` escaped, so no content can
    close the script element or open a comment, and the JSON still parses to the same text."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


class PageLinks:
    """URL helpers bound to the page being rendered: `url('/umkm/')` is relative to it."""

    def __init__(self, config: SiteConfig, current: str, absolute: bool = False) -> None:
        self.config = config
        self.current = current
        self.absolute = absolute  # 404.html is served at any depth, so it links from the base path

    def url(self, target: str) -> str:
        if self.absolute:
            return self.config.base_path.rstrip("/") + quote(target, safe="/#?=&.-_~%+")
        return relative_url(self.current, target)

    def abs_url(self, target: str) -> str:
        return absolute_url(self.config.url, target)


def template_mtime_key(theme: Theme) -> str:
    """A cheap fingerprint of every template and word file (for caches)."""
    parts = []
    for folder in theme.folders:
        for root, _dirs, files in os.walk(folder):
            for name in sorted(files):
                path = os.path.join(root, name)
                stat = os.stat(path)
                parts.append(f"{path}:{stat.st_mtime_ns}:{stat.st_size}")
    return "|".join(sorted(parts))


def _phone_first_globals(env: jinja2.Environment, config: SiteConfig) -> None:
    """Structured data (`ld`), build-time charts (`bagan`, `statistik`) for the templates."""
    from kimsite import charts
    from kimsite.structured import StructuredData

    env.globals["ld"] = StructuredData(config, lambda target: absolute_url(config.url, target))
    env.globals["bagan"] = charts.bar_chart
    env.globals["statistik"] = charts.site_statistics
