"""Content discovery, front-matter splitting and the typed content models.

`discover()` walks `content/` and classifies every file by where it lies (the folder decides the
kind and the URL, so every URL is known before any Markdown is rendered). `read_source()` splits
front matter from body keeping real line numbers; `parse_*` functions turn a `YamlMap` into a typed,
frozen-ish model, reporting every problem to a `Report`. Models do no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import posixpath
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kimsite.config import SOSMED_KEYS, SiteConfig, read_sosmed, read_whatsapp, unquoted_number
from kimsite.errors import Report
from kimsite.fields import Fields, type_name
from kimsite.formats import WIB, is_reserved_name, is_slug, slugify
from kimsite.markdown import asset_output_name
from kimsite.yamlread import YamlMap, YamlProblem, load

CONTENT_DIR = "content"
STATIC_DIR = "static"
DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.*)$")
# A NIK: 16 digits standing alone (not inside a longer number or a decimal), or four groups of four.
# Written to start with `\d` (the lookbehind comes after the first digit) so the regex engine can skip
# ahead to the next digit instead of trying every position of a 2 KB page: ~8x faster, same matches.
NIK_RE = re.compile(r"\d(?:(?<![\d.]\d)\d{15}(?!\d|\.\d)"
                    r"|(?<!\d\d)\d{3}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?!\d))")
IGNORED_FILE = re.compile(r"(^\.|^_(?!index\.md$)|~$|\.swp$|\.swx$|\.swo$|^#.*#$|^4913$|\.tmp$)")
MAX_FILE_BYTES = 5_000_000


# -- discovery ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """One Markdown file, classified by its location. `path` is site-relative POSIX."""

    path: str
    kind: str  # halaman | kecamatan | kelurahan | umkm | berita | agenda | kel_halaman
    slug: str
    url: str  # site-relative, starts and ends with "/"
    kelurahan: str = ""
    date_prefix: str = ""

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)  # non-Markdown files under content/
    kelurahan_folders: list[str] = field(default_factory=list)


def is_ignored(name: str) -> bool:
    return bool(IGNORED_FILE.search(name))


def _walk(site_dir: Path, rel: str, report: Report, out: list[str], depth: int = 0) -> None:
    """Sorted recursive walk of `rel` (site-relative); symlinks must stay inside the site."""
    base = site_dir / rel
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError as exc:
        report.error(rel, 0, "file.unreadable", detail=exc.strerror or str(exc))
        return
    site_root = site_dir.resolve()
    for entry in entries:
        name = entry.name
        if is_ignored(name):
            continue
        child = f"{rel}/{name}"
        if "\x00" in name or "\\" in name:
            report.error(child, 0, "path.bad_name", name=name.encode("unicode_escape").decode("ascii"))
            continue
        if entry.is_symlink():
            try:
                target = Path(entry.path).resolve(strict=True)
            except (OSError, RuntimeError):
                report.error(child, 0, "path.symlink_loop")
                continue
            if not target.is_relative_to(site_root):
                report.error(child, 0, "path.symlink_outside", target=str(target))
                continue
            if target.is_dir() and Path(entry.path).parent.resolve().is_relative_to(target):
                report.error(child, 0, "path.symlink_loop")  # a link to its own parent folder
                continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            report.error(child, 0, "path.symlink_loop")
            continue
        if is_dir:
            if depth > 8:
                report.error(child, 0, "path.too_deep")
                continue
            _walk(site_dir, child, report, out, depth + 1)
        else:
            out.append(child)


def discover(site_dir: Path, report: Report) -> Discovery:
    """Find and classify every file under `content/`; misplaced files are errors, not ignored."""
    result = Discovery()
    files: list[str] = []
    if (site_dir / CONTENT_DIR).is_dir():
        _walk(site_dir, CONTENT_DIR, report, files)
    kelurahan_with_index: set[str] = set()
    kelurahan_seen: set[str] = set()
    for path in files:
        parts = path.split("/")[1:]
        if not path.endswith(".md"):
            result.assets.add(path)
            continue
        source = _classify(path, parts, report)
        if source is None:
            continue
        if source.kelurahan:
            kelurahan_seen.add(source.kelurahan)
            if source.kind == "kelurahan":
                kelurahan_with_index.add(source.kelurahan)
        result.sources.append(source)
    for slug in sorted(kelurahan_seen - kelurahan_with_index):
        report.error(f"{CONTENT_DIR}/kelurahan/{slug}", 0, "content.no_index", slug=slug)
    result.kelurahan_folders = sorted(kelurahan_with_index)
    return result


def _slug_ok(path: str, name: str, report: Report) -> bool:
    if is_reserved_name(name):
        report.error(path, 0, "slug.reserved", value=name.lower())
        return False
    if is_slug(name):
        return True
    suggestion = slugify(name) or "nama-file"
    shown = name.encode("unicode_escape").decode("ascii")[:80] if name else "(kosong)"
    report.error(path, 0, "slug.invalid", value=shown, suggestion=suggestion)
    return False


def _classify(path: str, parts: list[str], report: Report) -> Source | None:
    stem = parts[-1][:-3]
    if len(parts) == 2 and parts[0] in ("halaman", "kecamatan"):
        if not _slug_ok(path, stem, report):
            return None
        kind = parts[0]
        url = f"/{stem}/" if kind == "halaman" else f"/kecamatan/{stem}/"
        return Source(path, kind, stem, url)
    if len(parts) >= 3 and parts[0] == "kelurahan":
        kel = parts[1]
        if not _slug_ok(f"{CONTENT_DIR}/kelurahan/{kel}", kel, report):
            return None
        base = f"/kelurahan/{kel}/"
        if len(parts) == 3 and parts[2] == "_index.md":
            return Source(path, "kelurahan", kel, base, kel)
        if len(parts) in (4, 5) and parts[2] in ("umkm", "berita", "agenda", "halaman"):
            section = parts[2]
            if len(parts) == 5:
                if section != "umkm" or parts[4] != "index.md":
                    report.error(path, 0, "content.misplaced")
                    return None
                stem = parts[3]
            date_prefix = ""
            if section in ("berita", "agenda"):
                match = DATE_PREFIX.match(stem)
                if match:
                    date_prefix, stem = match.group(1), match.group(2)
            if not _slug_ok(path, stem, report):
                return None
            if section == "halaman":
                return Source(path, "kel_halaman", stem, f"{base}{stem}/", kel)
            return Source(path, section, stem, f"{base}{section}/{stem}/", kel, date_prefix)
    report.error(path, 0, "content.misplaced")
    return None


# -- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawPage:
    """A file split into its front matter (already parsed) and body."""

    front: YamlMap
    body: str
    body_line: int  # 1-based line of the first body line in the file
    text: str


def read_source(site_dir: Path, path: str, report: Report) -> RawPage | None:
    """Read a Markdown file: UTF-8 (BOM and CRLF accepted), `---` front matter, then the body."""
    try:
        data = (site_dir / path).read_bytes()
    except OSError as exc:
        report.error(path, 0, "file.unreadable", detail=exc.strerror or str(exc))
        return None
    if len(data) > MAX_FILE_BYTES:
        report.error(path, 1, "file.too_big", max=MAX_FILE_BYTES // 1_000_000)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error(path, line, "file.not_utf8")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        report.error(path, text[: text.index("\x00")].count("\n") + 1, "file.nul")
        return None
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.error(path, 1, "frontmatter.missing")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        report.error(path, 1, "frontmatter.unclosed")
        return None
    front_text = "\n".join(lines[1:end])
    try:
        front = load(front_text, line_offset=1)
    except YamlProblem as problem:
        report.error(path, problem.line, problem.key, detail=problem.detail)
        return None
    if front is None:
        front = YamlMap()
        front.line = 1
    if not isinstance(front, YamlMap):
        report.error(path, 2, "frontmatter.not_mapping")
        return None
    match = NIK_RE.search(text)
    if match:
        report.error(path, text[: match.start()].count("\n") + 1, "privacy.nik")
    body = "\n".join(lines[end + 1:])
    return RawPage(front, body, end + 2, text)


# -- models -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageRef:
    """An image named by content: `src` as written, `path` the site-relative file it resolves to,
    `url` where the site serves it (beside the page, or under static/'s own path)."""

    src: str
    path: str
    alt: str
    line: int
    url: str


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


# What rendering the Markdown body sets on a page. Templates reading these depend on the body ("b:" facts,
# kimsite.cache); every other field is decided by the front matter and the path ("p:" facts), so a list
# that shows a page's title and price is not rendered again when only its body changes.
BODY_FIELDS = frozenset({"body_md", "body_html", "toc_html", "body_text"})


@dataclass
class Page:
    """What every rendered content page has in common."""

    source: Source
    title: str
    body_md: str = ""  # emptied once rendered unless `shows_image` (kimsite.build._apply_markdown)
    body_line: int = 1
    body_html: str = ""
    toc_html: str = ""
    # the body as plain words (first 300 characters), made with the HTML: for the search index, and for
    # excerpts and descriptions, so no template strips the tags of a whole body again
    body_text: str = ""
    images: list[ImageRef] = field(default_factory=list)
    # front-matter key → line, for later checks (`line_of`), as JSON text: read only to report a problem,
    # and held by every page of a build, a dict took ~530 bytes a page and this ~150 (~40 MB at 100,000)
    key_lines: str = "{}"

    def line_of(self, key: str) -> int:
        """The line of a top-level front-matter key; 0 when the page has no such key."""
        return int(json.loads(self.key_lines).get(key, 0))

    @property
    def url(self) -> str:
        return self.source.url

    @property
    def slug(self) -> str:
        return self.source.slug

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def shows_image(self) -> bool:
        """The rendered body has an `<img>` (nh3 writes tag names in lower case). Only such a body is
        rewritten after rendering (kimsite.media: `<picture>`) and read again in Markdown (an image's
        line for a diagnostic); the build and the preview server decide what to keep by it."""
        if body_is_packed(self):
            return False  # only a body without one is packed (kimsite.cache.pack)
        return "<img" in self.body_html


# -- a body kept packed -----------------------------------------------------------------------------
# A cached page without an `<img>` comes back from the cache with the three rendered body fields still
# compressed (kimsite.cache.pack): `_packed_body` holds them, `_body_fp` their `body_fingerprint`. Most
# builds never read most bodies (a one-edit rebuild renders a few dozen pages of 10,000), and held as
# text they were half of a page's memory (~3 KB; ~300 MB of the parent at 100,000 pages). A read
# unpacks them without keeping them on the page: the site-wide lists the parent renders read the body
# of every berita for its excerpt, which would have unpacked half the site for good. The last few
# bodies read are remembered, so a page template reading its own body three times unpacks it once.
PACKED_BODY_FIELDS = ("body_html", "toc_html", "body_text")
_RECENT_BODIES: dict[int, tuple[Any, tuple[str, str, str]]] = {}  # id(packed) → (packed, its fields)
_RECENT_LIMIT = 16


def pack_body(page: Page) -> bytes:
    return zlib.compress(marshal.dumps(tuple(getattr(page, name) for name in PACKED_BODY_FIELDS)), 1)


class BodyFile:
    """Packed bodies kept on disk instead of in memory (a command-line build that saves its cache).

    At 100,000 pages the packed bodies are ~120 MB of the parent, held from parsing to the end of the
    build and shared with every worker it forks, though a body is read only where its own page (or a
    list's excerpt) is rendered. Here each is a `StoredBody` of ~100 bytes pointing into one file in
    the cache folder. The file is unlinked as soon as it is made: nothing is left behind, whatever
    happens to the build, and it is read through the open descriptor, which forked workers inherit."""

    def __init__(self, folder: Path) -> None:
        import tempfile

        fd, path = tempfile.mkstemp(prefix="bodies-", suffix=".tmp", dir=folder)
        os.unlink(path)
        self.fd = fd
        self.size = 0

    def add(self, packed: bytes) -> StoredBody:
        view = memoryview(packed)
        written = 0
        while written < len(view):
            written += os.pwrite(self.fd, view[written:], self.size + written)
        stored = StoredBody(self, self.size, len(packed))
        self.size += len(packed)
        return stored

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise OSError(f"bodies file: {len(data)} of {length} bytes at {offset}")
        return data

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class StoredBody:
    """A packed body in a `BodyFile`: read back when a page's body is read."""

    __slots__ = ("file", "offset", "length")

    def __init__(self, file: BodyFile, offset: int, length: int) -> None:
        self.file = file
        self.offset = offset
        self.length = length

    def read(self) -> bytes:
        return self.file.read(self.offset, self.length)


def _unpacked(packed: bytes | StoredBody) -> tuple[str, str, str]:
    hit = _RECENT_BODIES.get(id(packed))
    if hit is not None and hit[0] is packed:  # the entry holds `packed`, so its id is not reused meanwhile
        return hit[1]
    fields = marshal.loads(zlib.decompress(packed.read() if isinstance(packed, StoredBody) else packed))
    if len(_RECENT_BODIES) >= _RECENT_LIMIT:
        del _RECENT_BODIES[next(iter(_RECENT_BODIES))]
    _RECENT_BODIES[id(packed)] = (packed, fields)
    return fields  # type: ignore[no-any-return]


class _PackedBodyField:
    """A non-data descriptor: an instance's own attribute (set by `__init__`, or by a build that
    replaces a body) wins; only a page whose body is packed has none and gets here."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __get__(self, page: Page | None, owner: type) -> Any:
        if page is None:
            return ""
        packed = page_state(page).get("_packed_body")  # not `page.__dict__`: the render recorder would log it
        return "" if packed is None else _unpacked(packed)[self.index]


def body_is_packed(page: Page) -> bool:
    state = page_state(page)
    return "_packed_body" in state and "body_html" not in state


def page_state(page: Page) -> dict[str, Any]:
    return object.__getattribute__(page, "__dict__")  # type: ignore[no-any-return]


def page_with_state(page: Page, state: dict[str, Any]) -> Page:
    """A page of `page`'s class (Umkm, Berita, …) holding `state` as its attributes: a shallow copy
    without copy.copy's generic `__reduce_ex__` path."""
    copy = object.__new__(type(page))
    page_state(copy).update(state)
    return copy


def replace_body(page: Page, source: Page) -> None:
    """Give `page` the rendered body of `source`, as text; a packed body it held is dropped."""
    for name in BODY_FIELDS:
        setattr(page, name, getattr(source, name))
    state = page_state(page)
    state.pop("_packed_body", None)
    state.pop("_body_fp", None)


for _index, _name in enumerate(PACKED_BODY_FIELDS):  # after @dataclass took the "" defaults for __init__
    setattr(Page, _name, _PackedBodyField(_index))


@dataclass
class Halaman(Page):
    urutan: int = 0
    menu: bool = False


@dataclass
class KecamatanPage(Page):
    deskripsi: str = ""


@dataclass(frozen=True)
class Pengurus:
    nama: str
    jabatan: str


@dataclass(frozen=True)
class Kim:
    ada: bool
    nama: str = ""
    sk_nomor: str = ""
    sk_tanggal: dt.date | None = None
    ketua: str = ""
    pengurus: tuple[Pengurus, ...] = ()
    whatsapp: str = ""
    email: str = ""
    sosmed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Kantor:
    alamat: str = ""
    kode_pos: str = ""
    telepon: str = ""
    email: str = ""
    jam_layanan: str = ""
    lokasi: Location | None = None


@dataclass
class Kelurahan(Page):
    kode: str = ""
    nama_tampil: str = ""
    alias: list[str] = field(default_factory=list)
    deskripsi: str = ""
    potensi: list[str] = field(default_factory=list)
    foto_sampul: ImageRef | None = None
    kantor: Kantor = field(default_factory=Kantor)
    kim: Kim = field(default_factory=lambda: Kim(False))


@dataclass(frozen=True)
class JamBuka:
    hari: tuple[str, ...]
    buka: str
    tutup: str


@dataclass(frozen=True)
class Produk:
    nama: str
    harga: int | None = None
    harga_coret: int | None = None
    satuan: str = ""
    foto: ImageRef | None = None
    tersedia: bool = True


@dataclass(frozen=True)
class Legalitas:
    nib: str = ""
    pirt: str = ""
    halal: str = ""

    def __bool__(self) -> bool:
        return bool(self.nib or self.pirt or self.halal)


@dataclass
class Umkm(Page):
    kategori: str = ""
    whatsapp: str = ""
    telepon: str = ""
    foto: list[ImageRef] = field(default_factory=list)
    diperbarui: dt.date | None = None
    pemilik: str = ""
    alamat: str = ""
    lokasi: Location | None = None
    jam_buka: list[JamBuka] = field(default_factory=list)
    catatan_jam: str = ""
    produk: list[Produk] = field(default_factory=list)
    marketplace: list[tuple[str, str]] = field(default_factory=list)
    sosmed: list[tuple[str, str]] = field(default_factory=list)
    legalitas: Legalitas = field(default_factory=Legalitas)
    pembayaran: list[str] = field(default_factory=list)
    layanan: list[str] = field(default_factory=list)
    unggulan: bool = False
    status: str = "aktif"

    @property
    def nama(self) -> str:
        return self.title


@dataclass
class Berita(Page):
    tanggal: dt.datetime | None = None
    penulis: str = ""
    ringkasan: str = ""
    foto_sampul: ImageRef | None = None
    galeri: list[ImageRef] = field(default_factory=list)
    kategori: str = ""
    umkm_terkait: list[tuple[str, int]] = field(default_factory=list)  # (kelurahan/umkm, line)
    tag: list[str] = field(default_factory=list)
    draft: bool = False
    sumber_asli: str = ""


@dataclass(frozen=True)
class AgendaLokasi:
    nama: str
    alamat: str = ""
    lokasi: Location | None = None


@dataclass
class Agenda(Page):
    mulai: dt.datetime | None = None
    selesai: dt.datetime | None = None
    lokasi: AgendaLokasi | None = None
    penyelenggara: str = ""
    biaya: int | None = None
    whatsapp: str = ""
    status: str = "terjadwal"


# -- parsing front matter into models -------------------------------------------------------------

PEMBAYARAN = ("tunai", "qris", "transfer", "ewallet")
LAYANAN = ("ambil-sendiri", "antar", "cod", "pesan-antar-online")
STATUS_UMKM = ("aktif", "tutup-sementara", "tutup")
KATEGORI_BERITA = ("kegiatan", "umkm", "pengumuman", "potensi")
STATUS_AGENDA = ("terjadwal", "ditunda", "batal", "selesai")
MARKETPLACE_HOSTS = {
    "shopee": ("shopee.co.id", "shopee.com", "shp.ee"),
    "tokopedia": ("tokopedia.com", "tokopedia.link", "tk.tokopedia.com"),
    "gofood": ("gofood.co.id", "gojek.com", "gofood.link"),
    "grabfood": ("grab.com", "grabfood.link", "r.grab.com"),
    "shopeefood": ("shopee.co.id", "shopeefood.co.id", "shp.ee"),
}
SOURCE_POST_HOSTS = ("instagram.com", "facebook.com", "fb.watch", "fb.com", "tiktok.com")
UMKM_SOSMED = ("instagram", "tiktok", "facebook", "snackvideo")

# The front-matter keys of each kind, in reading order; `kimsite new` and `kimsite cms` use the same tuples,
# so a key added here reaches the parser, the templates `new` writes and the CMS form together.
IMAGE_KEYS = ("src", "alt")
HALAMAN_KEYS = ("judul", "urutan", "menu")
KECAMATAN_KEYS = ("judul", "deskripsi")
KELURAHAN_KEYS = ("kode", "nama_tampil", "alias", "deskripsi", "potensi", "foto_sampul", "kantor", "kim")
KANTOR_KEYS = ("alamat", "kode_pos", "telepon", "email", "jam_layanan", "lokasi")
KIM_KEYS = ("ada", "nama", "sk", "ketua", "pengurus", "kontak", "sosmed")
UMKM_KEYS = ("nama", "kategori", "kontak", "foto", "diperbarui", "pemilik", "alamat", "lokasi", "jam_buka",
             "catatan_jam", "produk", "marketplace", "sosmed", "legalitas", "pembayaran", "layanan", "unggulan",
             "status")
UMKM_KONTAK_KEYS = ("whatsapp", "telepon")
JAM_BUKA_KEYS = ("hari", "buka", "tutup")
PRODUK_KEYS = ("nama", "harga", "harga_coret", "satuan", "foto", "tersedia")
LEGALITAS_KEYS = ("nib", "pirt", "halal")
BERITA_KEYS = ("judul", "tanggal", "penulis", "ringkasan", "foto_sampul", "galeri", "kategori", "umkm_terkait",
               "tag", "draft", "sumber_asli")
AGENDA_KEYS = ("judul", "mulai", "selesai", "lokasi", "penyelenggara", "biaya", "kontak", "status")
AGENDA_LOKASI_KEYS = ("nama", "alamat", "lat", "lon")


@dataclass(frozen=True)
class ParseContext:
    """Plain data every parser may need."""

    config: SiteConfig
    wilayah_codes: frozenset[str]
    kecamatan_slugs: frozenset[str]
    now: dt.datetime  # build time (SOURCE_DATE_EPOCH when set)
    site_dir: Path


def resolve_asset_path(source_path: str, src: str) -> str | None:
    """Site-relative path of an image named in `source_path`: relative to it, or `/…` under static/.

    Returns None when the reference leaves the site (`../../..`, NUL, backslashes, URLs).
    """
    if not src or "\x00" in src or "\\" in src or "://" in src or src.startswith("//") or ":" in src:
        return None
    if src.startswith("/"):
        joined = posixpath.normpath(f"{STATIC_DIR}/{src.lstrip('/')}")
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source_path), src))
    if joined.startswith("..") or joined.startswith("/"):
        return None
    return joined


def _image(f: Fields, key: str, source: Source, required: bool = False) -> ImageRef | None:
    img = f.mapping(key, ("src", "alt"), required=required)
    if img is None:
        return None
    return _image_fields(img, source)


def _image_fields(img: Fields, source: Source) -> ImageRef | None:
    src = img.text("src", required=True)
    alt = img.text("alt", required=True, max_len=250)
    img.finish()
    if not src or not alt:
        return None
    path = resolve_asset_path(source.path, src)
    if path is None:
        img.error("src", "image.outside", value=src)
        return None
    return ImageRef(src, path, alt, img.line("src"), asset_url(source, path))


def asset_url(source: Source, path: str) -> str:
    """Site URL of a file named by a page: static files keep their place, others go beside the page."""
    if path.startswith(STATIC_DIR + "/"):
        return path[len(STATIC_DIR):]
    return source.url + asset_output_name(source.path, path)


def _images(f: Fields, key: str, source: Source, min_items: int = 0, max_items: int | None = None) -> list[ImageRef]:
    result = []
    for index, item, line in f.items(key, min_items=min_items, max_items=max_items):
        img = f.item_fields(key, index, item, line, ("src", "alt"))
        if img:
            ref = _image_fields(img, source)
            if ref:
                result.append(ref)
    return result


def _location(f: Fields | None) -> Location | None:
    if f is None:
        return None
    lat = f.number("lat", -90, 90, required=True)
    lon = f.number("lon", -180, 180, required=True)
    return Location(lat, lon) if lat is not None and lon is not None else None


def _base(cls: type, raw: RawPage, source: Source, title: str, **kwargs: Any) -> Any:
    return cls(source=source, title=title, body_md=raw.body, body_line=raw.body_line,
               key_lines=json.dumps(raw.front.lines, ensure_ascii=False, separators=(",", ":")), **kwargs)


def _require_body(raw: RawPage, source: Source, report: Report) -> None:
    if not raw.body.strip():
        report.error(source.path, raw.body_line - 1, "content.body_required")


def parse_halaman(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> Halaman:
    f = Fields(raw.front, source.path, report, HALAMAN_KEYS)
    title = f.text("judul", required=True, max_len=100) or source.slug
    urutan = f.integer("urutan") or 0
    menu = bool(f.boolean("menu", default=False))
    f.finish()
    _require_body(raw, source, report)
    return _base(Halaman, raw, source, title, urutan=urutan, menu=menu)


def parse_kecamatan(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> KecamatanPage:
    f = Fields(raw.front, source.path, report, KECAMATAN_KEYS)
    title = f.text("judul", max_len=100) or ""
    deskripsi = f.text("deskripsi", max_len=300) or ""
    f.finish()
    if source.slug not in ctx.kecamatan_slugs:
        report.error(source.path, 0, "kecamatan.unknown", slug=source.slug,
                     options=", ".join(sorted(ctx.kecamatan_slugs)))
    return _base(KecamatanPage, raw, source, title, deskripsi=deskripsi)


def parse_kelurahan(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> Kelurahan:
    f = Fields(raw.front, source.path, report, KELURAHAN_KEYS)
    kode = ""
    value = raw.front.get("kode")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        f.error("kode", "kelurahan.kode_unquoted", raw=f._raw("kode"))
    else:
        kode = f.pattern("kode", r"\d{2}\.\d{2}\.\d{2}\.\d{4}", "kelurahan.kode_format", required=True) or ""
        if kode and kode not in ctx.wilayah_codes:
            f.error("kode", "kelurahan.kode_unknown", value=kode, wilayah=ctx.config.wilayah)
            kode = ""
    nama_tampil = f.text("nama_tampil", max_len=80) or ""
    alias = f.text_list("alias")
    deskripsi = f.text("deskripsi", required=True, max_len=300) or ""
    potensi = f.text_list("potensi")
    foto_sampul = _image(f, "foto_sampul", source)
    kantor = Kantor()
    k = f.mapping("kantor", KANTOR_KEYS)
    if k:
        if isinstance(k.data.get("kode_pos"), int) and not isinstance(k.data.get("kode_pos"), bool):
            kode_pos = str(k.data["kode_pos"])
            if not re.fullmatch(r"\d{5}", kode_pos) or k._raw("kode_pos").strip() != kode_pos:
                k.error("kode_pos", "field.pattern_kodepos", value=k._raw("kode_pos"))  # 06512 is octal 3402
                kode_pos = ""
        else:
            kode_pos = k.pattern("kode_pos", r"\d{5}", "field.pattern_kodepos") or ""
        telepon = _telepon(k, "telepon")
        kantor = Kantor(
            alamat=k.text("alamat", max_len=300) or "",
            kode_pos=kode_pos,
            telepon=telepon,
            email=k.pattern("email", r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", "field.email") or "",
            jam_layanan=k.text("jam_layanan", max_len=200) or "",
            lokasi=_location(k.mapping("lokasi", ("lat", "lon"))),
        )
        _finish_nested(k, "lokasi")
        k.finish()
    kim = Kim(False)
    m = f.mapping("kim", KIM_KEYS, required=True)
    if m:
        ada = m.boolean("ada", default=None, required=True)
        if ada:
            sk_nomor, sk_tanggal = "", None
            sk = m.mapping("sk", ("nomor", "tanggal"))
            if sk:
                sk_nomor = sk.text("nomor", max_len=120) or ""
                sk_tanggal = sk.date("tanggal")
                sk.finish()
            pengurus = []
            for index, item, line in m.items("pengurus"):
                p = m.item_fields("pengurus", index, item, line, ("nama", "jabatan"))
                if p:
                    nama = p.text("nama", required=True, max_len=100)
                    jabatan = p.text("jabatan", required=True, max_len=100)
                    p.finish()
                    if nama and jabatan:
                        pengurus.append(Pengurus(nama, jabatan))
            whatsapp, email = "", ""
            kontak = m.mapping("kontak", ("whatsapp", "email"))
            if kontak:
                whatsapp = read_whatsapp(kontak, "whatsapp") or ""
                email = kontak.pattern("email", r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", "field.email") or ""
                kontak.finish()
            sosmed: list[tuple[str, str]] = []
            sm = m.mapping("sosmed", SOSMED_KEYS)
            if sm:
                sosmed = read_sosmed(sm, SOSMED_KEYS)
                sm.finish()
            kim = Kim(True, nama=m.text("nama", required=True, max_len=120) or "", sk_nomor=sk_nomor,
                      sk_tanggal=sk_tanggal, ketua=m.text("ketua", max_len=100) or "",
                      pengurus=tuple(pengurus), whatsapp=whatsapp, email=email, sosmed=tuple(sosmed))
        elif ada is False:
            for key in ("nama", "sk", "ketua", "pengurus", "kontak", "sosmed"):
                if key in m.data:
                    m.error(key, "kim.not_ada")
        m.finish()
    f.finish()
    return _base(Kelurahan, raw, source, nama_tampil or source.slug, kode=kode, nama_tampil=nama_tampil,
                 alias=alias, deskripsi=deskripsi, potensi=potensi, foto_sampul=foto_sampul, kantor=kantor,
                 kim=kim, images=[foto_sampul] if foto_sampul else [])


def _finish_nested(parent: Fields, key: str) -> None:
    """Unknown keys of a nested mapping read by a helper (lokasi) are reported here."""
    value = parent.data.get(key)
    if isinstance(value, YamlMap):
        allowed = ("lat", "lon") if key == "lokasi" else ()
        Fields(value, parent.path, parent.report, allowed, where=f"{parent.name(key)}.").finish()


def _telepon(f: Fields, key: str) -> str:
    if unquoted_number(f, key):
        f.error(key, "telepon.unquoted", raw=f._raw(key))
        return ""
    text = f.text(key, max_len=40) or ""
    if text and not re.fullmatch(r"[+()\d\s.\-]{5,30}", text):
        f.error(key, "telepon.invalid", value=text)
        return ""
    return text


def _pirt_warning(f: Fields, pirt: str, now: dt.datetime) -> None:
    year_suffix = re.sub(r"\D", "", pirt)[13:]
    if len(year_suffix) == 2 and 2000 + int(year_suffix) < now.year:
        f.warning("pirt", "umkm.pirt_expired", year=2000 + int(year_suffix))


def parse_umkm(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> Umkm:
    f = Fields(raw.front, source.path, report, UMKM_KEYS)
    nama = f.text("nama", required=True, max_len=100) or source.slug
    categories = tuple(slug for slug, _ in ctx.config.kategori_umkm)
    kategori = f.choice("kategori", categories, required=True) or ""
    whatsapp, telepon = "", ""
    kontak = f.mapping("kontak", UMKM_KONTAK_KEYS, required=True)
    if kontak:
        whatsapp = read_whatsapp(kontak, "whatsapp") or ""
        telepon = _telepon(kontak, "telepon")
        if "whatsapp" not in kontak.data and "telepon" not in kontak.data:
            f.error("kontak", "umkm.kontak_empty")
        kontak.finish()
    foto: list[ImageRef] = []
    if "foto" in raw.front:
        foto = _images(f, "foto", source, min_items=1, max_items=5)
    else:
        report.warning(source.path, raw.front.line, "umkm.no_photo")
    diperbarui = f.date("diperbarui")
    if "diperbarui" not in raw.front:
        report.warning(source.path, raw.front.line, "umkm.no_diperbarui")
    elif diperbarui and diperbarui < (ctx.now.date() - dt.timedelta(days=365)):
        f.warning("diperbarui", "umkm.stale", date=diperbarui.isoformat())
    elif diperbarui and diperbarui > ctx.now.date() + dt.timedelta(days=1):
        f.warning("diperbarui", "umkm.future", date=diperbarui.isoformat())
    pemilik = f.text("pemilik", max_len=100) or ""
    alamat = f.text("alamat", max_len=300) or ""
    lokasi = _location(f.mapping("lokasi", ("lat", "lon")))
    _finish_nested(f, "lokasi")
    jam_buka = []
    for index, item, line in f.items("jam_buka"):
        j = f.item_fields("jam_buka", index, item, line, JAM_BUKA_KEYS)
        if j:
            hari = j.text_list("hari", required=True, options=("senin", "selasa", "rabu", "kamis", "jumat",
                                                                "sabtu", "minggu"))
            buka = j.time("buka", required=True)
            tutup = j.time("tutup", required=True)
            j.finish()
            if hari and buka and tutup:
                jam_buka.append(JamBuka(tuple(hari), buka, tutup))
    catatan_jam = f.text("catatan_jam", max_len=200) or ""
    produk = []
    for index, item, line in f.items("produk"):
        p = f.item_fields("produk", index, item, line, PRODUK_KEYS)
        if p:
            pnama = p.text("nama", required=True, max_len=100)
            harga = p.integer("harga", minimum=0)
            harga_coret = p.integer("harga_coret", minimum=0)
            if harga_coret is not None and harga is not None and harga_coret <= harga:
                p.error("harga_coret", "umkm.harga_coret", harga=harga, harga_coret=harga_coret)
                harga_coret = None
            pfoto = _image(p, "foto", source)
            produk.append(Produk(pnama or "", harga, harga_coret, p.text("satuan", max_len=40) or "",
                                 pfoto, bool(p.boolean("tersedia", default=True))))
            p.finish()
    marketplace: list[tuple[str, str]] = []
    mp = f.mapping("marketplace", tuple(MARKETPLACE_HOSTS))
    if mp:
        for key, hosts in MARKETPLACE_HOSTS.items():
            url = mp.url(key, hosts=hosts)
            if url:
                marketplace.append((key, url))
        mp.finish()
    sosmed: list[tuple[str, str]] = []
    sm = f.mapping("sosmed", UMKM_SOSMED)
    if sm:
        sosmed = read_sosmed(sm, UMKM_SOSMED)
        sm.finish()
    legalitas = Legalitas()
    lg = f.mapping("legalitas", LEGALITAS_KEYS)
    if lg:
        for key in ("nib", "pirt"):
            if isinstance(lg.data.get(key), int) and not isinstance(lg.data.get(key), bool):
                lg.error(key, "legalitas.unquoted", raw=lg._raw(key))
                lg.data = _without(lg.data, key)
        nib = lg.pattern("nib", r"\d{13}", "legalitas.nib") or ""
        pirt = lg.pattern("pirt", r"\d{13}-?\d{2}", "legalitas.pirt") or ""
        if pirt:
            _pirt_warning(lg, pirt, ctx.now)
        halal = lg.pattern("halal", r"ID\d{10,20}", "legalitas.halal") or ""
        lg.finish()
        legalitas = Legalitas(nib, pirt, halal)
    pembayaran = f.text_list("pembayaran", options=PEMBAYARAN)
    layanan = f.text_list("layanan", options=LAYANAN)
    unggulan = bool(f.boolean("unggulan", default=False))
    status = f.choice("status", STATUS_UMKM, default="aktif") or "aktif"
    f.finish()
    if len(raw.body.strip()) < 50:
        report.warning(source.path, raw.body_line - 1, "umkm.short_body", length=len(raw.body.strip()))
    images = list(foto) + [p.foto for p in produk if p.foto]
    return _base(Umkm, raw, source, nama, kategori=kategori, whatsapp=whatsapp, telepon=telepon, foto=foto,
                 diperbarui=diperbarui, pemilik=pemilik, alamat=alamat, lokasi=lokasi, jam_buka=jam_buka,
                 catatan_jam=catatan_jam, produk=produk, marketplace=marketplace, sosmed=sosmed,
                 legalitas=legalitas, pembayaran=pembayaran, layanan=layanan, unggulan=unggulan,
                 status=status, images=images)


def _without(data: YamlMap, key: str) -> YamlMap:
    copy = YamlMap()
    copy.line = data.line
    for k, v in data.items():
        if k != key:
            copy[k] = v
    copy.lines = {k: v for k, v in data.lines.items()}
    copy.raw = dict(data.raw)
    return copy


def parse_berita(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> Berita:
    f = Fields(raw.front, source.path, report, BERITA_KEYS)
    judul = f.text("judul", required=True, max_len=100) or source.slug
    tanggal = f.datetime("tanggal", required=True, default_tz=WIB)
    if tanggal and source.date_prefix and tanggal.date().isoformat() != source.date_prefix:
        f.error("tanggal", "berita.date_prefix", prefix=source.date_prefix, date=tanggal.date().isoformat())
    if source.date_prefix:
        try:
            dt.date.fromisoformat(source.date_prefix)
        except ValueError:
            report.error(source.path, 0, "berita.bad_prefix", prefix=source.date_prefix)
    penulis = f.text("penulis", required=True, max_len=100) or ""
    ringkasan = f.text("ringkasan", max_len=160) or ""
    foto_sampul = _image(f, "foto_sampul", source)
    galeri = _images(f, "galeri", source, max_items=30)
    kategori = f.choice("kategori", KATEGORI_BERITA) or ""
    terkait = []
    for index, item, line in f.items("umkm_terkait"):
        if not isinstance(item, str) or not item.strip():
            report.error(source.path, line, "field.item_text", key=f"umkm_terkait[{index + 1}]",
                         got="empty" if isinstance(item, str) else type_name(item))
            continue
        ref = item.strip()
        if "/" not in ref:
            ref = f"{source.kelurahan}/{ref}"
        terkait.append((ref, line))
    tag = f.text_list("tag")
    draft = bool(f.boolean("draft", default=False))
    sumber = f.url("sumber_asli", hosts=SOURCE_POST_HOSTS) or ""
    f.finish()
    _require_body(raw, source, report)
    images = ([foto_sampul] if foto_sampul else []) + galeri
    return _base(Berita, raw, source, judul, tanggal=tanggal, penulis=penulis, ringkasan=ringkasan,
                 foto_sampul=foto_sampul, galeri=galeri, kategori=kategori, umkm_terkait=terkait, tag=tag,
                 draft=draft, sumber_asli=sumber, images=images)


def parse_agenda(raw: RawPage, source: Source, report: Report, ctx: ParseContext) -> Agenda:
    f = Fields(raw.front, source.path, report, AGENDA_KEYS)
    judul = f.text("judul", required=True, max_len=100) or source.slug
    mulai = f.datetime("mulai", required=True, default_tz=WIB)
    selesai = f.datetime("selesai", default_tz=WIB)
    if mulai and selesai and selesai < mulai:
        f.error("selesai", "agenda.end_before_start")
        selesai = None
    if mulai and source.date_prefix and mulai.date().isoformat() != source.date_prefix:
        f.error("mulai", "berita.date_prefix", prefix=source.date_prefix, date=mulai.date().isoformat())
    lokasi = None
    lk = f.mapping("lokasi", AGENDA_LOKASI_KEYS, required=True)
    if lk:
        nama = lk.text("nama", required=True, max_len=120)
        alamat = lk.text("alamat", max_len=300) or ""
        loc = None
        if "lat" in lk.data or "lon" in lk.data:
            loc = _location(lk)
        lk.finish()
        if nama:
            lokasi = AgendaLokasi(nama, alamat, loc)
    penyelenggara = f.text("penyelenggara", required=True, max_len=120) or ""
    biaya = f.integer("biaya", minimum=0)
    whatsapp = ""
    kontak = f.mapping("kontak", ("whatsapp",))
    if kontak:
        whatsapp = read_whatsapp(kontak, "whatsapp") or ""
        kontak.finish()
    status = f.choice("status", STATUS_AGENDA, default="terjadwal") or "terjadwal"
    f.finish()
    return _base(Agenda, raw, source, judul, mulai=mulai, selesai=selesai, lokasi=lokasi,
                 penyelenggara=penyelenggara, biaya=biaya, whatsapp=whatsapp, status=status)


PARSERS = {
    "halaman": parse_halaman,
    "kel_halaman": parse_halaman,
    "kecamatan": parse_kecamatan,
    "kelurahan": parse_kelurahan,
    "umkm": parse_umkm,
    "berita": parse_berita,
    "agenda": parse_agenda,
}


def parse_page(site_dir: Path, source: Source, report: Report, ctx: ParseContext) -> Page | None:
    """Read one source file and build its model; problems go to `report`."""
    raw = read_source(site_dir, source.path, report)
    if raw is None:
        return None
    return PARSERS[source.kind](raw, source, report, ctx)


def url_key(url: str) -> str:
    """The identity of an output path on case-insensitive, normalising file systems."""
    if url.isascii():  # NFC leaves ASCII alone, and casefold is lower() there
        return url.lower()
    return unicodedata.normalize("NFC", url).casefold()
