"""The site model: the region list joined with the content, collections, routes and global checks.

Input: the config, the region list and the parsed pages. Output: a `SiteModel` (plain data the
theme reads) and the list of `Route`s to render. Global checks live here: duplicate region codes,
unknown cross-references, and two inputs claiming the same output file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kimsite.config import SiteConfig
from kimsite.content import Agenda, Berita, Halaman, KecamatanPage, Kelurahan, Page, Umkm, url_key
from kimsite.errors import Report
from kimsite.formats import slugify
from kimsite.urls import output_file

PER_PAGE = 12
# UMKM lists are paginated too: a city's list of thousands of UMKM on one page would be megabytes on a
# phone (and one edit would re-render all of it); 48 cards fill 1, 2, 3 or 4 columns evenly.
UMKM_PER_PAGE = 48


# -- region list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class WilayahRow:
    kode: str
    kecamatan: str
    kelurahan: str
    line: int


def load_wilayah(site_dir: Path, config: SiteConfig, report: Report) -> list[WilayahRow]:
    """Read `data/wilayah.csv` (`kode,kecamatan,kelurahan`); every bad row is reported."""
    rel = config.wilayah
    path = site_dir / rel
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        report.error("site.yaml", config.lines.get("wilayah", 0), "wilayah.missing", path=rel)
        return []
    except UnicodeDecodeError:
        report.error(rel, 0, "file.not_utf8")
        return []
    except OSError as exc:
        report.error(rel, 0, "file.unreadable", detail=exc.strerror or str(exc))
        return []
    rows: list[WilayahRow] = []
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["kode", "kecamatan", "kelurahan"]:
        report.error(rel, 1, "wilayah.header")
        return []
    seen: dict[str, int] = {}
    for index, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            report.error(rel, index, "wilayah.columns", count=len(row))
            continue
        kode, kecamatan, kelurahan = (cell.strip() for cell in row)
        if not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", kode):
            report.error(rel, index, "wilayah.kode", value=kode)
            continue
        if not kecamatan or not kelurahan:
            report.error(rel, index, "wilayah.empty")
            continue
        if kode in seen:
            report.error(rel, index, "wilayah.duplicate", value=kode, first=seen[kode])
            continue
        seen[kode] = index
        rows.append(WilayahRow(kode, kecamatan, kelurahan, index))
    return rows


# -- model ----------------------------------------------------------------------------------------

@dataclass
class KelurahanEntry:
    """A kelurahan of the region list, with its microsite when it has one."""

    kode: str
    nama: str  # the official name, from the region list
    kecamatan_slug: str
    kecamatan_nama: str
    slug: str
    page: Kelurahan | None = None
    umkm: list[Umkm] = field(default_factory=list)
    berita: list[Berita] = field(default_factory=list)
    agenda: list[Agenda] = field(default_factory=list)
    halaman: list[Halaman] = field(default_factory=list)

    @property
    def has_site(self) -> bool:
        return self.page is not None

    @property
    def has_kim(self) -> bool:
        return bool(self.page and self.page.kim.ada)

    @property
    def display_name(self) -> str:
        return (self.page.nama_tampil if self.page and self.page.nama_tampil else "") or self.nama

    @property
    def url(self) -> str:
        return f"/kelurahan/{self.slug}/"


@dataclass
class Kecamatan:
    slug: str
    nama: str
    kode: str
    kelurahan: list[KelurahanEntry] = field(default_factory=list)
    page: KecamatanPage | None = None

    @property
    def url(self) -> str:
        return f"/kecamatan/{self.slug}/"

    @property
    def kim_count(self) -> int:
        return sum(1 for k in self.kelurahan if k.has_kim)

    @property
    def umkm_count(self) -> int:
        return sum(len(k.umkm) for k in self.kelurahan)


@dataclass(frozen=True)
class Category:
    slug: str
    nama: str
    count: int

    @property
    def url(self) -> str:
        return f"/umkm/{self.slug}/"


@dataclass
class SiteModel:
    config: SiteConfig
    now: dt.datetime
    kecamatan: list[Kecamatan]
    kelurahan: list[KelurahanEntry]
    umkm: list[Umkm]
    berita: list[Berita]
    agenda: list[Agenda]
    halaman: list[Halaman]
    categories: list[Category]
    single: KelurahanEntry | None = None  # set when the site is one kelurahan's microsite
    by_kelurahan: dict[str, KelurahanEntry] = field(default_factory=dict)
    # The featured UMKM (`unggulan: true`), in `umkm` order. Made once here, so the home page reads
    # one list instead of every UMKM's flag: at 100,000 pages that loop made each home-page render
    # depend on 50,000 facts and copied ~200 MB of the parent's memory into the worker.
    unggulan: list[Umkm] = field(default_factory=list)

    @property
    def menu(self) -> list[Halaman]:
        return [h for h in self.halaman if h.menu]

    @property
    def kim_count(self) -> int:
        return sum(1 for k in self.kelurahan if k.has_kim)

    @property
    def microsite_count(self) -> int:
        return sum(1 for k in self.kelurahan if k.has_site)

    def kelurahan_of(self, page: Page) -> KelurahanEntry | None:
        return self.by_kelurahan.get(page.source.kelurahan)

    def upcoming(self, agenda: list[Agenda]) -> list[Agenda]:
        return [a for a in agenda if not self.is_past(a)]

    def past(self, agenda: list[Agenda]) -> list[Agenda]:
        return [a for a in reversed(agenda) if self.is_past(a)]

    def is_past(self, agenda: Agenda) -> bool:
        end = agenda.selesai or agenda.mulai
        return end is not None and end < self.now


def build_model(config: SiteConfig, wilayah: list[WilayahRow], pages: list[Page], now: dt.datetime,
                drafts: bool, report: Report) -> SiteModel:
    kecamatan: dict[str, Kecamatan] = {}
    entries: dict[str, KelurahanEntry] = {}
    for row in wilayah:
        kec_slug = slugify(row.kecamatan)
        kec = kecamatan.setdefault(kec_slug, Kecamatan(kec_slug, row.kecamatan, row.kode[:8]))
        entry = KelurahanEntry(row.kode, row.kelurahan, kec_slug, row.kecamatan, slugify(row.kelurahan))
        kec.kelurahan.append(entry)
        entries[row.kode] = entry

    by_slug: dict[str, KelurahanEntry] = {}
    code_owner: dict[str, Kelurahan] = {}
    for page in pages:
        if isinstance(page, Kelurahan) and page.kode:
            if page.kode in code_owner:
                report.error(page.source.path, _line(page, "kode"), "kelurahan.kode_duplicate",
                             value=page.kode, other=code_owner[page.kode].source.path)
                continue
            code_owner[page.kode] = page
            entry = entries[page.kode]
            entry.page = page
            entry.slug = page.slug
            by_slug[page.slug] = entry
    # A region without a microsite keeps a slug made from its name; it must not shadow a folder.
    for entry in entries.values():
        if entry.page is None and entry.slug in by_slug:
            entry.slug = f"{entry.slug}-{entry.kode.replace('.', '')[-4:]}"

    umkm: list[Umkm] = []
    berita: list[Berita] = []
    agenda: list[Agenda] = []
    halaman: list[Halaman] = []
    for page in pages:
        kel = by_slug.get(page.source.kelurahan) if page.source.kelurahan else None
        if page.source.kelurahan and page.kind != "kelurahan" and kel is None:
            continue  # its kelurahan failed; that error is already reported
        if isinstance(page, Umkm):
            umkm.append(page)
            kel.umkm.append(page)  # type: ignore[union-attr]
        elif isinstance(page, Berita):
            if page.draft and not drafts:
                continue
            berita.append(page)
            kel.berita.append(page)  # type: ignore[union-attr]
        elif isinstance(page, Agenda):
            agenda.append(page)
            kel.agenda.append(page)  # type: ignore[union-attr]
        elif isinstance(page, Halaman):
            if kel is None:
                halaman.append(page)
            else:
                kel.halaman.append(page)
        elif isinstance(page, KecamatanPage) and page.slug in kecamatan:
            kecamatan[page.slug].page = page

    umkm_by_ref = {f"{u.source.kelurahan}/{u.slug}": u for u in umkm}
    for item in berita:
        for ref, line in item.umkm_terkait:
            if ref not in umkm_by_ref:
                report.error(item.source.path, line, "berita.umkm_unknown", value=ref,
                             suggestion=_closest(ref, list(umkm_by_ref)))

    def berita_key(b: Berita) -> tuple:
        return (-(b.tanggal.timestamp() if b.tanggal else 0), b.source.path)

    def agenda_key(a: Agenda) -> tuple:
        return (a.mulai.timestamp() if a.mulai else 0, a.source.path)

    umkm.sort(key=lambda u: (not u.unggulan, u.status != "aktif", u.title.casefold(), u.source.path))
    berita.sort(key=berita_key)
    agenda.sort(key=agenda_key)
    halaman.sort(key=lambda h: (h.urutan, h.title.casefold()))
    for entry in entries.values():
        entry.umkm.sort(key=lambda u: (not u.unggulan, u.status != "aktif", u.title.casefold()))
        entry.berita.sort(key=berita_key)
        entry.agenda.sort(key=agenda_key)
        entry.halaman.sort(key=lambda h: (h.urutan, h.title.casefold()))

    counts = Counter(u.kategori for u in umkm)
    categories = [Category(slug, nama, counts.get(slug, 0)) for slug, nama in config.kategori_umkm]
    kec_list = sorted(kecamatan.values(), key=lambda k: k.kode)
    for kec in kec_list:
        kec.kelurahan.sort(key=lambda e: e.kode)
    kel_list = [e for k in kec_list for e in k.kelurahan]
    with_site = [e for e in kel_list if e.has_site]
    single = with_site[0] if len(with_site) == 1 else None
    featured = [u for u in umkm if u.unggulan]
    return SiteModel(config, now, kec_list, kel_list, umkm, berita, agenda, halaman, categories, single,
                     {e.slug: e for e in with_site}, featured)


def _line(page: Page, key: str) -> int:
    return page.line_of(key)


def _closest(value: str, options: list[str]) -> str:
    from kimsite.fields import suggest

    return suggest(value, options)


# -- routes ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)  # one per page, held all build long: no __dict__ each (~17 MB at 100,000)
class Route:
    """One HTML page to render: its URL, template, and the data the template gets besides `site`."""

    url: str
    template: str
    data: dict[str, Any]
    origin: str  # the source file, or a description of the generated page


def _paginate(base: str, items: list, template: str, data: dict[str, Any], origin: str,
              per_page: int = PER_PAGE) -> list[Route]:
    pages = max(1, -(-len(items) // per_page))
    routes = []
    for number in range(1, pages + 1):
        url = base if number == 1 else f"{base}halaman/{number}/"
        chunk = items[(number - 1) * per_page: number * per_page]
        pager = {
            "number": number,
            "total": pages,
            "count": len(items),
            "first": base,
            "prev": (base if number == 2 else f"{base}halaman/{number - 1}/") if number > 1 else None,
            "next": f"{base}halaman/{number + 1}/" if number < pages else None,
        }
        routes.append(Route(url, template, {**data, "items": chunk, "pager": pager}, origin))
    return routes


def routes(model: SiteModel) -> list[Route]:
    """Every HTML page of the site, in a stable order."""
    out: list[Route] = []
    gen = "(kimsite)"
    if model.single is not None:
        out.append(Route("/", "kelurahan.html", {"kel": model.single, "page": model.single.page}, gen))
    else:
        out.append(Route("/", "beranda.html", {}, gen))
    out.append(Route("/kelurahan/", "kelurahan_daftar.html", {}, gen))
    out.append(Route("/kim/", "kim.html", {}, gen))
    for kec in model.kecamatan:
        origin = kec.page.source.path if kec.page else gen
        out.append(Route(kec.url, "kecamatan.html", {"kec": kec, "page": kec.page}, origin))
    out += _paginate("/umkm/", model.umkm, "umkm_daftar.html", {"category": None, "kel": None}, gen, UMKM_PER_PAGE)
    for cat in model.categories:
        items = [u for u in model.umkm if u.kategori == cat.slug]
        out += _paginate(cat.url, items, "umkm_daftar.html", {"category": cat, "kel": None}, gen, UMKM_PER_PAGE)
    out += _paginate("/berita/", model.berita, "berita_daftar.html", {"kel": None}, gen)
    out.append(Route("/agenda/", "agenda_daftar.html", {"items": model.agenda, "kel": None}, gen))
    out.append(Route("/cari/", "cari.html", {"kel": None}, gen))
    out.append(Route("/statistik/", "statistik.html", {"kel": None}, gen))
    for page in model.halaman:
        out.append(Route(page.url, "halaman.html", {"page": page, "kel": None}, page.source.path))
    for kel in model.kelurahan:
        if not kel.page:
            continue
        src = kel.page.source.path
        if model.single is kel:
            out.append(Route(kel.url, "redirect.html", {"target": "/"}, src))
        else:
            out.append(Route(kel.url, "kelurahan.html", {"kel": kel, "page": kel.page}, src))
        out += _paginate(f"{kel.url}umkm/", kel.umkm, "umkm_daftar.html", {"category": None, "kel": kel}, gen,
                         UMKM_PER_PAGE)
        out += _kelurahan_category_routes(model, kel)
        out += _paginate(f"{kel.url}berita/", kel.berita, "berita_daftar.html", {"kel": kel}, gen)
        out.append(Route(f"{kel.url}agenda/", "agenda_daftar.html", {"items": kel.agenda, "kel": kel}, gen))
        out.append(Route(f"{kel.url}umkm/poster/", "poster_semua.html", {"kel": kel}, gen))
        for u in kel.umkm:
            out.append(Route(u.url, "umkm.html", {"page": u, "kel": kel}, u.source.path))
            out.append(Route(f"{u.url}poster/", "poster.html", {"page": u, "kel": kel}, u.source.path))
        for b in kel.berita:
            out.append(Route(b.url, "berita.html", {"page": b, "kel": kel}, b.source.path))
        for a in kel.agenda:
            out.append(Route(a.url, "agenda.html", {"page": a, "kel": kel}, a.source.path))
        for h in kel.halaman:
            out.append(Route(h.url, "halaman.html", {"page": h, "kel": kel}, h.source.path))
    out.append(Route("/404.html", "404.html", {}, gen))
    return out


def _kelurahan_category_routes(model: SiteModel, kel: KelurahanEntry) -> list[Route]:
    """Plain-link category filters of one kelurahan's UMKM list: `umkm/kategori/<kat>/` for every
    category it has, and `umkm/kategori/` itself (a redirect), which reserves the UMKM slug `kategori`."""
    base = f"{kel.url}umkm/kategori/"
    out = [Route(base, "redirect.html", {"target": f"{kel.url}umkm/"}, "(kimsite)")]
    for cat in model.categories:
        items = [u for u in kel.umkm if u.kategori == cat.slug]
        if items:
            category = Category(cat.slug, cat.nama, len(items))
            out += _paginate(f"{base}{cat.slug}/", items, "umkm_daftar.html", {"category": category, "kel": kel},
                             "(kimsite)", UMKM_PER_PAGE)
    return out


class OutputClaims:
    """Which input owns each output file; a second claim (after NFC + case folding) is an error."""

    def __init__(self) -> None:
        self._owners: dict[str, tuple[str, str]] = {}

    def claim(self, file: str, origin: str, report: Report, line: int = 0) -> bool:
        key = url_key(file)
        previous = self._owners.get(key)
        if previous is None:
            self._owners[key] = (file, origin)
            return True
        if previous[1] == origin:
            if previous[0] == file:
                return False
            # One page naming `Kopi.png` and `kopi.png`: one would overwrite the other on Windows/macOS.
            report.error(origin, line, "output.duplicate", file=file, other=previous[0])
            return False
        # Blame the content file; a generated page ("(kimsite)") is never the one to rename.
        culprit, other = (previous[1], origin) if origin.startswith("(") else (origin, previous[1])
        if other.startswith("("):  # the site itself (or its theme) makes this file: only the source can move
            report.error(culprit, line, "output.reserved", file=file)
        else:
            report.error(culprit, line, "output.duplicate", file=file, other=other)
        return False

    def owner(self, file: str) -> str | None:
        found = self._owners.get(url_key(file))
        return found[1] if found else None

    def claim_route(self, route: Route, report: Report) -> bool:
        return self.claim(output_file(route.url), route.origin, report)
