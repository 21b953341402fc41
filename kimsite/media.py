"""The build's image step: which images and share cards a site serves, and the markup for them.

`plan_media()` runs with the other output claims (it reads only image headers: sizes for the
warnings, file names for the claims); `finish_media()` runs after every check has passed and
encodes what the cache lacks, points the output at the clean files, and turns Markdown-body
`<img>` into `<picture>`. Templates reach it through the `gambar()` and `kartu()` globals.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from kimsite.cards import CARD_FILE, CARD_HEIGHT, CARD_WIDTH, CardSpec, make_cards
from kimsite.content import STATIC_DIR, ImageRef, Page
from kimsite.errors import Report
from kimsite.formats import format_date, format_datetime, format_rupiah
from kimsite.images import (
    ImagePlan,
    cache_root,
    clean_copies,
    image_warnings,
    picture_html,
    plain_img_html,
    resolve_body_src,
    rewrite_body_images,
)
from kimsite.urls import output_file

CARD_TEMPLATES = ("umkm.html", "berita.html", "agenda.html", "kelurahan.html", "beranda.html")
_PAGE_CARDS = frozenset({"umkm.html", "berita.html", "agenda.html"})  # drawn from the page and its kelurahan
_BODY_IMG_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"', re.I)


@dataclass
class SiteMedia:
    plan: ImagePlan
    cards: dict[str, CardSpec] = field(default_factory=dict)  # page URL → its card
    shown: list[Page] = field(default_factory=list)
    encoded: int = 0  # images and cards encoded by this build (0 when everything came from the cache)

    def picture(self, ref: ImageRef, link: Callable[[str], str], layout: str = "isi", css_class: str = "") -> Markup:
        encoded = self.plan.lookup(ref.url)
        if encoded is None:
            return plain_img_html(link(ref.url), ref.alt, css_class)
        return picture_html(ref.url, encoded, ref.alt, link, layout, css_class)

    def card(self, page_url: str) -> dict[str, Any] | None:
        spec = self.cards.get(page_url)
        if spec is None:
            return None
        return {"url": spec.url, "alt": spec.alt, "width": CARD_WIDTH, "height": CARD_HEIGHT}


def _shown_pages(model: Any) -> list[Page]:
    pages: list[Page] = list(model.umkm + model.berita + model.agenda + model.halaman)
    pages += [k.page for k in model.kelurahan if k.page] + [k.page for k in model.kecamatan if k.page]
    return pages


def plan_media(site_dir: Path, model: Any, body_assets: dict[str, dict[str, str]], assets: set[str],
               page_routes: list[Any], words: dict[str, str], claims: Any, report: Report,
               card_memo: dict | None = None) -> SiteMedia:
    """Register every image the shown pages use, warn about unsuitable sources, claim every file name."""
    plan = ImagePlan(site_dir, cache_root(site_dir))
    refs: list[tuple[str, str, int, str]] = []  # (content file, image path, line, src as written)
    shown = _shown_pages(model)
    for page in shown:
        for ref in page.images:
            if plan.add(ref.url, ref.path):
                refs.append((page.source.path, ref.path, ref.line, ref.src))
        if not page.shows_image:
            continue
        by_url = {page.url + name: asset for asset, name in body_assets.get(page.url, {}).items()}
        for src in _BODY_IMG_SRC.findall(page.body_html):
            url = resolve_body_src(page.url, src)
            if url is None:
                continue
            path = by_url.get(url) or (f"{STATIC_DIR}{url}" if f"{STATIC_DIR}{url}" in assets else None)
            if path and plan.add(url, path):
                refs.append((page.source.path, path, *_written(page, path, src)))
    for origin, line, key, params in image_warnings(plan, refs):
        report.warning(origin, line, key, **params)
    for url in sorted(plan.urls):
        for name in plan.possible_outputs(url):
            if name != url:
                claims.claim(output_file(name), "(gambar)", report)

    media = SiteMedia(plan, shown=shown)
    for page_url, spec in card_specs(model, page_routes, words, site_dir, card_memo):
        if claims.claim(output_file(spec.url), "(kartu)", report):
            media.cards[page_url] = spec
    return media


def _written(page: Page, path: str, src: str) -> tuple[int, str]:
    """The body line naming image `path`, and the reference as the author wrote it there (the rendered
    `src` may be renamed, e.g. `1a2b3c4d-foto.jpg` for a file from another folder)."""
    name = posixpath.basename(path)
    match = re.search(r"[^\s()\[\]<>\"']*" + re.escape(name), page.body_md)
    if match is None:
        return page.body_line, src
    return page.body_line + page.body_md.count("\n", 0, match.start()), match.group(0)


def finish_media(media: SiteMedia, copies: dict[str, Path], progress: Callable[[str], None] | None = None) -> None:
    """Encode what the cache lacks; serve clean files instead of originals; `<picture>` in bodies."""
    plan = media.plan
    plan.encode_all(progress)
    card_set = make_cards(list(media.cards.values()), plan.root, progress)
    copies.update(plan.outputs())
    for url, file in card_set.files.items():
        copies[output_file(url)] = file
    clean_copies(copies, plan.root)  # static/ and theme images no content names: metadata off, pixels kept
    for page in media.shown:
        if page.shows_image:
            page.body_html = rewrite_body_images(page.body_html, page.url, plan)
    media.encoded = plan.encoded_count + card_set.encoded_count


def card_specs(model: Any, page_routes: list[Any], words: dict[str, str],
               site_dir: Path, memo: dict | None = None) -> list[tuple[str, CardSpec]]:
    """(page URL, card) for each UMKM, berita, agenda and kelurahan page and for the portal home.
    `memo` (the preview server's) remembers the card of a UMKM, berita or agenda page while the page is
    the same object (kept unchanged between builds) and its kelurahan, the config and words are equal."""
    config = model.config
    lang = config.bahasa
    kel_word = words.get("kelurahan", "Kelurahan")
    specs: list[tuple[str, CardSpec]] = []
    fresh: dict = {}
    if memo is not None:
        context = (repr(config), sorted(words.items()), str(site_dir))  # URLs start with "/": no clash
        if memo.get("context") != context:
            memo.clear()
        fresh["context"] = context
    for route in page_routes:
        if route.template not in CARD_TEMPLATES:
            continue
        page = route.data.get("page")
        kel = route.data.get("kel")
        if memo is not None and route.template in _PAGE_CARDS:
            hit = memo.get(route.url)
            kel_name = kel.display_name if kel is not None else None
            if hit is not None and hit[0] is page and hit[1] == route.template and hit[2] == kel_name:
                specs.append((route.url, hit[3]))
                fresh[route.url] = hit
                continue
        place = f"{kel_word} {kel.display_name}" if kel is not None else config.kota
        photo: ImageRef | None = None
        site_name = config.nama
        if route.template == "umkm.html":
            prices = [p.harga for p in page.produk if p.harga is not None]
            detail = (f"{words.get('harga_mulai', 'mulai')} {format_rupiah(min(prices), config.harga_spasi, lang)}"
                      if prices else config.category_names.get(page.kategori, ""))
            photo = (page.foto or [p.foto for p in page.produk if p.foto] or [None])[0]
            title = page.title
        elif route.template == "berita.html":
            detail = format_date(page.tanggal.date(), lang, weekday=False) if page.tanggal else ""
            photo = page.foto_sampul or (page.galeri[0] if page.galeri else None)
            title = page.title
        elif route.template == "agenda.html":
            detail = format_datetime(page.mulai, lang) if page.mulai else ""
            title = page.title
        elif route.template == "kelurahan.html":
            title = f"{kel_word} {kel.display_name}"
            detail = f"{words.get('kecamatan', 'Kecamatan')} {kel.kecamatan_nama}"
            place = page.kim.nama if page.kim.ada and page.kim.nama else config.kota
            photo = page.foto_sampul
        else:  # the portal home
            title = config.nama
            detail = f"{len(model.umkm)} UMKM · {model.microsite_count} {kel_word.lower()}"
            place = ", ".join(part for part in (config.kota, config.provinsi) if part)
            site_name = ""
        spec = CardSpec(route.url + CARD_FILE, title, detail, place, site_name,
                        _photo_file(site_dir, photo.path) if photo else None)
        specs.append((route.url, spec))
        if memo is not None and route.template in _PAGE_CARDS:
            fresh[route.url] = (page, route.template, kel.display_name if kel is not None else None, spec)
    if memo is not None:
        memo.clear()
        memo.update(fresh)  # pages that are gone are forgotten
    return specs


@functools.lru_cache(maxsize=65536)  # one Path object per photo, not one per page and rebuild
def _photo_file(site_dir: Path, path: str) -> Path:
    return site_dir / path
