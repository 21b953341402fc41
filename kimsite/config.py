"""`site.yaml` → a frozen `SiteConfig`; every problem reported at once with `site.yaml:LINE`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kimsite.errors import KimsiteError, Report
from kimsite.fields import Fields
from kimsite.formats import is_reserved_name, is_slug, normalize_whatsapp, slugify
from kimsite.yamlread import YamlMap, YamlProblem, load

CONFIG_FILE = "site.yaml"

DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("kuliner", "Kuliner"),
    ("oleh-oleh", "Oleh-oleh"),
    ("fesyen", "Fesyen"),
    ("kerajinan", "Kerajinan"),
    ("jasa", "Jasa"),
    ("kesehatan-kecantikan", "Kesehatan & Kecantikan"),
    ("pertanian-perikanan", "Pertanian & Perikanan"),
    ("toko-kelontong", "Toko Kelontong"),
    ("teknologi", "Teknologi"),
    ("lainnya", "Lainnya"),
)

SOSMED_KEYS = ("instagram", "facebook", "tiktok", "youtube", "snackvideo")
SITE_KEYS = ("nama", "url", "deskripsi", "bahasa", "tema", "kota", "provinsi", "wilayah", "pengelola",
             "kontak", "sosmed", "kategori_umkm", "format_harga", "offline",
             "sumber_luar")


@dataclass(frozen=True)
class SiteConfig:
    nama: str
    url: str  # absolute, always ends with "/"
    deskripsi: str
    bahasa: str = "id"
    tema: str = "default"
    kota: str = ""
    provinsi: str = ""
    wilayah: str = "data/wilayah.csv"
    pengelola_nama: str = ""
    pengelola_jenis: str = "kim"
    kontak_email: str = ""
    kontak_whatsapp: str = ""  # normalised 628…
    sosmed: tuple[tuple[str, str], ...] = ()
    kategori_umkm: tuple[tuple[str, str], ...] = DEFAULT_CATEGORIES
    harga_spasi: bool = False
    offline: bool = True  # the offline service worker (sw.js)
    sumber_luar: bool = False  # allow pages to load resources from other hosts (scripts, fonts, frames…)
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. `/kimsite/` (GitHub project pages) or `/`."""
        return urlsplit(self.url).path or "/"

    @property
    def category_names(self) -> dict[str, str]:
        return dict(self.kategori_umkm)


def normalize_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def load_config(site_dir: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate `site.yaml`; raise `KimsiteError` listing every problem."""
    report = Report()
    path = site_dir / CONFIG_FILE
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise KimsiteError([_diag(CONFIG_FILE, 0, "config.missing", site_dir=str(site_dir))]) from None
    except OSError as exc:
        raise KimsiteError([_diag(CONFIG_FILE, 0, "file.unreadable", detail=exc.strerror or str(exc))]) from None
    try:
        text = raw_bytes.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        raise KimsiteError([_diag(CONFIG_FILE, line, "file.not_utf8")]) from None
    try:
        data = load(text)
    except YamlProblem as problem:
        raise KimsiteError([_diag(CONFIG_FILE, problem.line, problem.key, detail=problem.detail)]) from None
    if not isinstance(data, YamlMap):
        raise KimsiteError([_diag(CONFIG_FILE, 1, "config.not_mapping")])

    lang = data.get("bahasa") if data.get("bahasa") in ("id", "en") else "id"
    f = Fields(data, CONFIG_FILE, report, SITE_KEYS)
    nama = f.text("nama", required=True) or ""
    deskripsi = f.text("deskripsi", required=True) or ""
    url = f.url("url", required=True) or ""
    if base_url is not None:
        override = Report()
        checked = Fields(_single("url", base_url), "--base-url", override, ("url",)).url("url", required=True)
        if override.has_errors() or not checked:
            report.error("--base-url", 0, "config.base_url", value=base_url)
        else:
            url = checked
    if url and urlsplit(url).query + urlsplit(url).fragment:
        f.error("url", "config.url_query", value=url)
    bahasa = f.choice("bahasa", ("id", "en"), default="id") or "id"
    tema = f.text("tema") or "default"
    if not is_slug(tema) and not tema.replace("_", "-").replace("-", "").isalnum():
        f.error("tema", "config.theme_name", value=tema)
    kota = f.text("kota") or ""
    provinsi = f.text("provinsi") or ""
    wilayah = f.text("wilayah") or "data/wilayah.csv"
    if wilayah.startswith("/") or ".." in Path(wilayah).parts:
        f.error("wilayah", "config.path_outside", value=wilayah)

    pengelola_nama, pengelola_jenis = "", "kim"
    pengelola = f.mapping("pengelola", ("nama", "jenis"), required=True)
    if pengelola:
        pengelola_nama = pengelola.text("nama", required=True) or ""
        pengelola_jenis = pengelola.choice("jenis", ("diskominfo", "kim"), required=True) or "kim"
        pengelola.finish()

    email, whatsapp = "", ""
    kontak = f.mapping("kontak", ("email", "whatsapp"))
    if kontak:
        email = kontak.pattern("email", r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", "field.email") or ""
        whatsapp = _whatsapp(kontak, "whatsapp") or ""
        kontak.finish()

    sosmed: list[tuple[str, str]] = []
    sm = f.mapping("sosmed", SOSMED_KEYS)
    if sm:
        sosmed = read_sosmed(sm, SOSMED_KEYS)
        sm.finish()

    categories = list(DEFAULT_CATEGORIES)
    if "kategori_umkm" in data:
        categories = []
        seen: set[str] = set()
        for index, item, _line in f.items("kategori_umkm", min_items=1):
            cat = f.item_fields("kategori_umkm", index, item, _line, ("slug", "nama"))
            if not cat:
                continue
            slug = cat.text("slug", required=True)
            name = cat.text("nama", required=True)
            cat.finish()
            if slug and is_reserved_name(slug):
                cat.error("slug", "slug.reserved", value=slug.lower())
            elif slug and not is_slug(slug):
                cat.error("slug", "slug.invalid", value=slug, suggestion=slugify(slug))
            elif slug and slug in seen:
                cat.error("slug", "field.item_duplicate", value=slug)
            elif slug and name:
                seen.add(slug)
                categories.append((slug, name))

    spasi = False
    harga = f.mapping("format_harga", ("spasi",))
    if harga:
        spasi = bool(harga.boolean("spasi", default=False))
        harga.finish()
    offline = bool(f.boolean("offline", default=True))
    sumber_luar = bool(f.boolean("sumber_luar", default=False))
    f.finish()

    if report.has_errors():
        raise KimsiteError(report.items, lang)
    return SiteConfig(
        nama=nama, url=normalize_base_url(url), deskripsi=deskripsi, bahasa=bahasa, tema=tema, kota=kota,
        provinsi=provinsi, wilayah=wilayah, pengelola_nama=pengelola_nama, pengelola_jenis=pengelola_jenis,
        kontak_email=email, kontak_whatsapp=whatsapp, sosmed=tuple(sosmed),
        kategori_umkm=tuple(categories), harga_spasi=spasi, offline=offline, sumber_luar=sumber_luar,
        lines=dict(data.lines),
    )


def read_sosmed(f: Fields, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """Social accounts as (network, https URL); a handle `@kim.purwantoro` becomes the profile URL."""
    result = []
    for key in keys:
        value = f.text(key)
        if value is None:
            continue
        if "://" in value or ":" in value.split("/")[0]:
            url = f.url(key)
        else:
            handle = value.lstrip("@")
            if not handle or not all(c.isalnum() or c in "._-" for c in handle):
                f.error(key, "field.handle", value=value)
                continue
            url = SOSMED_PROFILE[key].format(handle=handle)
        if url:
            result.append((key, url))
    return result


SOSMED_PROFILE = {
    "instagram": "https://www.instagram.com/{handle}/",
    "facebook": "https://www.facebook.com/{handle}",
    "tiktok": "https://www.tiktok.com/@{handle}",
    "youtube": "https://www.youtube.com/@{handle}",
    "snackvideo": "https://www.snackvideo.com/@{handle}",
}


def _whatsapp(f: Fields, key: str, required: bool = False) -> str | None:
    """Shared rule for every `whatsapp` key (site, KIM, UMKM, agenda)."""
    if key not in f.data or f.data[key] is None:
        if required:
            f.text(key, required=True)
        return None
    if unquoted_number(f, key):
        f.error(key, "whatsapp.unquoted", raw=f._raw(key))
        return None
    text = f.text(key)
    if text is None:
        return None
    number = normalize_whatsapp(text)
    if number is None:
        f.error(key, "whatsapp.invalid", value=text)
    return number


read_whatsapp = _whatsapp


def unquoted_number(f: Fields, key: str) -> bool:
    """A phone number written without quotes: YAML reads `81234567891` (and, in YAML 1.2 as GitHub's
    preview and other tools do, `081234567891`) as a number, losing the leading zero."""
    value = f.data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    raw = f.data.raw.get(key)
    return isinstance(value, str) and raw is not None and not raw[1] and raw[0].strip().lstrip("+").isdigit()


def _single(key: str, value: str) -> YamlMap:
    data = YamlMap()
    data[key] = value
    data.lines[key] = 0
    return data


def _diag(path: str, line: int, key: str, **params: object):  # type: ignore[no-untyped-def]
    from kimsite.errors import make

    return make(path, line, key, **params)
