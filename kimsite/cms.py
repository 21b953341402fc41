"""`kimsite cms`: a form editor at `/admin/` for volunteers who would rather not touch YAML.

Writes `static/admin/config.yml` and `static/admin/index.html` (static/ is published as is).
The CMS is **Sveltia CMS**, not Decap CMS: it reads the same config format, but it lets a volunteer
sign in with a GitHub personal access token (`auth_methods: [oauth, token]`), so a small KIM can
start without running an OAuth helper anywhere (GitHub Pages cannot keep an OAuth secret; Decap's
GitHub login needs Netlify or an own server for that). It is also actively maintained, works well
on phones, and publishes a JSON schema of its config, which the tests validate this config against.

The config is generated from the content model: one folder collection per kind per kelurahan
(`content/kelurahan/<k>/umkm`, …), a file collection with every kelurahan profile, and portal pages.
Fields come from the same key tuples as the parser (`content.py`); each key has one widget spec
here, so a new key without one fails the tests. UMKM are created in the folder form
(`umkm/<slug>/index.md`) with their photos beside them (`media_folder: ""`). Strings are saved
double-quoted (`output.yaml.quote: double`) so `"08:00"` and `"0812…"` stay text in kimsite's YAML.

`index.html` loads the CMS script from a CDN (unpkg), pinned to one version with a Subresource
Integrity hash. Once running, the CMS itself also fetches fonts (cdn.jsdelivr.net), checks for a newer
version (unpkg.com) and GitHub's status (githubstatus.com), besides the GitHub API it edits through
(seen with Sveltia 0.221.1 in Chromium). These are the only third-party requests of a kimsite site:
only on /admin/, in the browser of whoever opens it, and only after the site owner ran `kimsite cms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from kimsite.config import SOSMED_KEYS, SiteConfig, load_config
from kimsite.content import (
    AGENDA_KEYS,
    AGENDA_LOKASI_KEYS,
    BERITA_KEYS,
    CONTENT_DIR,
    HALAMAN_KEYS,
    IMAGE_KEYS,
    JAM_BUKA_KEYS,
    KANTOR_KEYS,
    KATEGORI_BERITA,
    KELURAHAN_KEYS,
    KIM_KEYS,
    LAYANAN,
    LEGALITAS_KEYS,
    MARKETPLACE_HOSTS,
    PEMBAYARAN,
    PRODUK_KEYS,
    STATUS_AGENDA,
    STATUS_UMKM,
    UMKM_KEYS,
    UMKM_KONTAK_KEYS,
    UMKM_SOSMED,
)
from kimsite.formats import HARI
from kimsite.scaffold import ScaffoldError, site_kelurahan

SVELTIA_VERSION = "0.221.1"
SVELTIA_URL = f"https://unpkg.com/@sveltia/cms@{SVELTIA_VERSION}/dist/sveltia-cms.js"
# sha384 of dist/sveltia-cms.js in the npm package @sveltia/cms@0.221.1 (unpkg serves the package's bytes).
SVELTIA_SRI = "sha384-JQ+XsKx/UzwdTiNnFStza3XtqqQoVtyNPApkfvwlzZDfhe7giE9CnfQrpHqgv3k6"
ADMIN_DIR = "static/admin"

_WA_PATTERN = [r"^\+?[0-9][0-9 ()-]{7,18}$", "Nomor HP, mis. 0812-3456-7890"]
_TIME_PATTERN = [r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "Jam HH:MM, mis. 08:30"]
_HTTPS_PATTERN = [r"^https://", "Alamat lengkap yang diawali https://"]
_HANDLE_PATTERN = [r"^(@?[A-Za-z0-9._-]+|https://.+)$", "Nama akun (@akun) atau alamat https lengkap"]
_DATE = {"widget": "datetime", "time_format": False, "date_format": "YYYY-MM-DD", "format": "YYYY-MM-DD"}
_DATETIME = {"widget": "datetime", "format": "YYYY-MM-DD HH:mm"}


def _f(name: str, label: str, required: bool = False, **spec: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "label": label, "required": required}
    field.setdefault("widget", "string")
    field.update(spec)
    return field


def _fields(keys: tuple[str, ...], specs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """CMS fields in the parser's key order; a key without a spec is a programming error (KeyError)."""
    return [specs[key] for key in keys]


def _image(name: str, label: str, required: bool = False) -> dict[str, Any]:
    return _f(name, label, required, widget="object", fields=_fields(IMAGE_KEYS, {
        "src": _f("src", "Berkas foto", True, widget="image"),
        "alt": _f("alt", "Keterangan foto (untuk pembaca layar)", True, maxlength=250),
    }))


def _images(name: str, label: str, required: bool = False, max_items: int = 5) -> dict[str, Any]:
    return _f(name, label, required, widget="list", max=max_items, min=1 if required else 0, fields=_fields(
        IMAGE_KEYS, {"src": _f("src", "Berkas foto", True, widget="image"),
                     "alt": _f("alt", "Keterangan foto (untuk pembaca layar)", True, maxlength=250)}))


def _location(name: str = "lokasi", label: str = "Titik peta") -> dict[str, Any]:
    return _f(name, label, widget="object", fields=[
        _f("lat", "Lintang (mis. -7.96)", True, widget="number", value_type="float", min=-90, max=90),
        _f("lon", "Bujur (mis. 112.64)", True, widget="number", value_type="float", min=-180, max=180),
    ])


def _sosmed(keys: tuple[str, ...]) -> dict[str, Any]:
    return _f("sosmed", "Media sosial", widget="object",
              fields=[_f(k, k.capitalize(), pattern=_HANDLE_PATTERN) for k in keys])


def _select(name: str, label: str, options: tuple[str, ...] | list[Any], required: bool = False,
            multiple: bool = False, **spec: Any) -> dict[str, Any]:
    return _f(name, label, required, widget="select", options=list(options), multiple=multiple, **spec)


def umkm_fields(config: SiteConfig, kelurahan: str) -> list[dict[str, Any]]:
    categories = [{"label": nama, "value": slug} for slug, nama in config.kategori_umkm]
    return [*_fields(UMKM_KEYS, {
        "nama": _f("nama", "Nama usaha", True, maxlength=100),
        "kategori": _select("kategori", "Kategori", categories, True),
        "kontak": _f("kontak", "Kontak", True, widget="object", hint="Isi minimal WhatsApp atau telepon",
                     fields=_fields(UMKM_KONTAK_KEYS, {
                         "whatsapp": _f("whatsapp", "WhatsApp", pattern=_WA_PATTERN),
                         "telepon": _f("telepon", "Telepon rumah/kantor", hint="mis. (0341) 551234"),
                     })),
        "foto": _images("foto", "Foto usaha", True),
        "diperbarui": _f("diperbarui", "Data dicek tanggal", True, default="{{now}}", **_DATE),
        "pemilik": _f("pemilik", "Nama pemilik", hint="Nama panggilan saja. JANGAN tulis NIK.", maxlength=100),
        "alamat": _f("alamat", "Alamat", widget="text", maxlength=300),
        "lokasi": _location(),
        "jam_buka": _f("jam_buka", "Jam buka", widget="list", fields=_fields(JAM_BUKA_KEYS, {
            "hari": _select("hari", "Hari", HARI, True, multiple=True),
            "buka": _f("buka", "Buka (HH:MM)", True, pattern=_TIME_PATTERN),
            "tutup": _f("tutup", "Tutup (HH:MM)", True, pattern=_TIME_PATTERN),
        })),
        "catatan_jam": _f("catatan_jam", "Catatan jam buka", maxlength=200),
        "produk": _f("produk", "Produk", widget="list", summary="{{fields.nama}}", fields=_fields(PRODUK_KEYS, {
            "nama": _f("nama", "Nama produk", True, maxlength=100),
            "harga": _f("harga", "Harga (Rp)", widget="number", value_type="int", min=0),
            "harga_coret": _f("harga_coret", "Harga sebelum diskon (Rp)", widget="number", value_type="int", min=0),
            "satuan": _f("satuan", "Satuan", hint="mis. bungkus 250 g", maxlength=40),
            "foto": _image("foto", "Foto produk"),
            "tersedia": _f("tersedia", "Tersedia", widget="boolean", default=True),
        })),
        "marketplace": _f("marketplace", "Toko daring", widget="object", fields=[
            _f(k, k.capitalize(), pattern=_HTTPS_PATTERN, hint="Alamat di " + ", ".join(MARKETPLACE_HOSTS[k]))
            for k in MARKETPLACE_HOSTS]),
        "sosmed": _sosmed(UMKM_SOSMED),
        "legalitas": _f("legalitas", "Legalitas", widget="object", fields=_fields(LEGALITAS_KEYS, {
            "nib": _f("nib", "NIB", pattern=[r"^[0-9]{13}$", "13 angka"]),
            "pirt": _f("pirt", "P-IRT", pattern=[r"^[0-9]{13}-?[0-9]{2}$", "13 angka, lalu 2 angka tahun"]),
            "halal": _f("halal", "Sertifikat halal", pattern=[r"^ID[0-9]{10,20}$", "ID lalu 10–20 angka"]),
        })),
        "pembayaran": _select("pembayaran", "Cara bayar", PEMBAYARAN, multiple=True),
        "layanan": _select("layanan", "Layanan", LAYANAN, multiple=True),
        "unggulan": _f("unggulan", "Unggulan (tampil di beranda kelurahan)", widget="boolean", default=False),
        "status": _select("status", "Status", STATUS_UMKM, default=STATUS_UMKM[0]),
    }), _body("Deskripsi usaha (minimal 50 karakter)")]


def berita_fields(kelurahan: str) -> list[dict[str, Any]]:
    return [*_fields(BERITA_KEYS, {
        "judul": _f("judul", "Judul", True, maxlength=100),
        "tanggal": _f("tanggal", "Tanggal dan jam (WIB)", True, default="{{now}}", **_DATETIME),
        "penulis": _f("penulis", "Penulis", True, maxlength=100),
        "ringkasan": _f("ringkasan", "Ringkasan", widget="text", maxlength=160),
        "foto_sampul": _image("foto_sampul", "Foto sampul"),
        "galeri": _images("galeri", "Galeri foto", max_items=30),
        "kategori": _select("kategori", "Kategori", KATEGORI_BERITA),
        "umkm_terkait": _f("umkm_terkait", "UMKM terkait", widget="relation", collection=f"umkm-{kelurahan}",
                           value_field="{{slug}}", search_fields=["nama"], display_fields=["nama"], multiple=True),
        "tag": _f("tag", "Tag", widget="list"),
        "draft": _f("draft", "Draf (belum terbit)", widget="boolean", default=False),
        "sumber_asli": _f("sumber_asli", "Unggahan asli (Instagram/Facebook/TikTok)", pattern=_HTTPS_PATTERN),
    }), _body("Isi berita", True)]


def agenda_fields() -> list[dict[str, Any]]:
    return [*_fields(AGENDA_KEYS, {
        "judul": _f("judul", "Judul acara", True, maxlength=100),
        "mulai": _f("mulai", "Mulai (WIB)", True, **_DATETIME),
        "selesai": _f("selesai", "Selesai (WIB)", **_DATETIME),
        "lokasi": _f("lokasi", "Tempat", True, widget="object", fields=_fields(AGENDA_LOKASI_KEYS, {
            "nama": _f("nama", "Nama tempat", True, maxlength=120),
            "alamat": _f("alamat", "Alamat", maxlength=300),
            "lat": _f("lat", "Lintang", widget="number", value_type="float", min=-90, max=90),
            "lon": _f("lon", "Bujur", widget="number", value_type="float", min=-180, max=180),
        })),
        "penyelenggara": _f("penyelenggara", "Penyelenggara", True, maxlength=120),
        "biaya": _f("biaya", "Biaya (Rp, 0 = gratis)", widget="number", value_type="int", min=0),
        "kontak": _f("kontak", "Kontak panitia", widget="object",
                     fields=[_f("whatsapp", "WhatsApp", pattern=_WA_PATTERN)]),
        "status": _select("status", "Status", STATUS_AGENDA, default=STATUS_AGENDA[0]),
    }), _body("Keterangan acara")]


def halaman_fields() -> list[dict[str, Any]]:
    return [*_fields(HALAMAN_KEYS, {
        "judul": _f("judul", "Judul", True, maxlength=100),
        "urutan": _f("urutan", "Urutan di menu", widget="number", value_type="int"),
        "menu": _f("menu", "Tampil di menu", widget="boolean", default=False),
    }), _body("Isi halaman", True)]


def kelurahan_fields() -> list[dict[str, Any]]:
    return [*_fields(KELURAHAN_KEYS, {
        "kode": _f("kode", "Kode wilayah", True, pattern=[r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$",
                                                          "Kode resmi, mis. 35.73.01.1007"]),
        "nama_tampil": _f("nama_tampil", "Nama tampilan", maxlength=80),
        "alias": _f("alias", "Nama lain (pencarian)", widget="list"),
        "deskripsi": _f("deskripsi", "Deskripsi singkat", True, widget="text", maxlength=300),
        "potensi": _f("potensi", "Potensi", widget="list"),
        "foto_sampul": _image("foto_sampul", "Foto sampul"),
        "kantor": _f("kantor", "Kantor kelurahan", widget="object", fields=_fields(KANTOR_KEYS, {
            "alamat": _f("alamat", "Alamat", maxlength=300),
            "kode_pos": _f("kode_pos", "Kode pos", pattern=[r"^[0-9]{5}$", "5 angka"]),
            "telepon": _f("telepon", "Telepon"),
            "email": _f("email", "Email"),
            "jam_layanan": _f("jam_layanan", "Jam layanan", maxlength=200),
            "lokasi": _location(),
        })),
        "kim": _f("kim", "KIM", True, widget="object", fields=_fields(KIM_KEYS, {
            "ada": _f("ada", "Kelurahan punya KIM", True, widget="boolean", default=True),
            "nama": _f("nama", "Nama KIM", hint="Wajib bila punya KIM", maxlength=120),
            "sk": _f("sk", "SK pembentukan", widget="object", fields=[
                _f("nomor", "Nomor SK", maxlength=120), _f("tanggal", "Tanggal SK", **_DATE)]),
            "ketua": _f("ketua", "Ketua", maxlength=100),
            "pengurus": _f("pengurus", "Pengurus", widget="list", fields=[
                _f("nama", "Nama", True, maxlength=100), _f("jabatan", "Jabatan", True, maxlength=100)]),
            "kontak": _f("kontak", "Kontak KIM", widget="object", fields=[
                _f("whatsapp", "WhatsApp", pattern=_WA_PATTERN), _f("email", "Email")]),
            "sosmed": _sosmed(SOSMED_KEYS),
        })),
    }), _body("Profil kelurahan")]


def _body(label: str, required: bool = False) -> dict[str, Any]:
    return _f("body", label, required, widget="markdown")


def _kelurahan_title(site_dir: Path, slug: str) -> str:
    return slug.replace("-", " ").title()


def build_config(site_dir: Path, repo: str, branch: str = "main") -> dict[str, Any]:
    """The Sveltia CMS config of a site, as plain data (dumped to YAML by `write_cms`)."""
    config = load_config(site_dir)
    kelurahan = site_kelurahan(site_dir)
    collections: list[dict[str, Any]] = []
    base = f"{CONTENT_DIR}/kelurahan"
    for slug in kelurahan:
        name = _kelurahan_title(site_dir, slug)
        common = {"format": "yaml-frontmatter", "extension": "md", "create": True, "media_folder": "",
                  "public_folder": ""}
        collections.append({"name": f"umkm-{slug}", "label": f"UMKM {name}", "label_singular": "UMKM",
                            "folder": f"{base}/{slug}/umkm", "path": "{{slug}}/index", "slug": "{{nama}}",
                            "identifier_field": "nama", "summary": "{{nama}}", **common,
                            "fields": umkm_fields(config, slug)})
        collections.append({"name": f"berita-{slug}", "label": f"Berita {name}", "label_singular": "Berita",
                            "folder": f"{base}/{slug}/berita", "slug": "{{judul}}", "identifier_field": "judul",
                            "sortable_fields": ["tanggal", "judul"], **common, "fields": berita_fields(slug)})
        collections.append({"name": f"agenda-{slug}", "label": f"Agenda {name}", "label_singular": "Agenda",
                            "folder": f"{base}/{slug}/agenda", "slug": "{{judul}}", "identifier_field": "judul",
                            **common, "fields": agenda_fields()})
        collections.append({"name": f"halaman-{slug}", "label": f"Halaman {name}", "label_singular": "Halaman",
                            "folder": f"{base}/{slug}/halaman", "slug": "{{judul}}", "identifier_field": "judul",
                            **common, "fields": halaman_fields()})
    if kelurahan:
        collections.append({"name": "kelurahan", "label": "Profil kelurahan", "format": "yaml-frontmatter",
                            "media_folder": "", "public_folder": "", "files": [
                                {"name": slug, "label": _kelurahan_title(site_dir, slug),
                                 "file": f"{base}/{slug}/_index.md", "fields": kelurahan_fields()}
                                for slug in kelurahan]})
    collections.append({"name": "halaman", "label": "Halaman situs", "label_singular": "Halaman",
                        "folder": f"{CONTENT_DIR}/halaman", "slug": "{{judul}}", "identifier_field": "judul",
                        "format": "yaml-frontmatter", "extension": "md", "create": True,
                        "fields": halaman_fields()})
    return {
        "backend": {"name": "github", "repo": repo, "branch": branch, "auth_methods": ["oauth", "token"],
                    "commit_messages": {"create": "Tambah {{collection}} “{{slug}}” lewat CMS",
                                        "update": "Perbarui {{collection}} “{{slug}}” lewat CMS",
                                        "delete": "Hapus {{collection}} “{{slug}}” lewat CMS",
                                        "uploadMedia": "Unggah {{path}} lewat CMS",
                                        "deleteMedia": "Hapus {{path}} lewat CMS"}},
        "site_url": config.url,
        "display_url": config.url,
        "media_folder": "static/gambar",
        "public_folder": "/gambar",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-", "lowercase": True,
                 "trim": True, "maxlength": 60},
        "output": {"omit_empty_optional_fields": True, "yaml": {"quote": "double", "indent_size": 2}},
        "collections": collections,
    }


def guess_repo(url: str) -> str | None:
    """`https://owner.github.io/repo/` → `owner/repo`; `https://owner.github.io/` → `owner/owner.github.io`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host.endswith(".github.io"):
        return None
    owner = host.removesuffix(".github.io")
    path = [p for p in parts.path.split("/") if p]
    return f"{owner}/{path[0]}" if path else f"{owner}/{host}"


def config_yaml(data: dict[str, Any]) -> str:
    header = (
        "# Sveltia CMS untuk situs ini, dibuat oleh `kimsite cms` dari model konten kimsite.\n"
        "# Jalankan ulang `kimsite cms --force` setelah menambah kelurahan. Penyiapan login:\n"
        "# docs/panduan-relawan.md (token GitHub langsung bisa; tombol \"Login with GitHub\" butuh\n"
        "# aplikasi OAuth GitHub + layanan perantara, lalu tambahkan `base_url:` di bawah `backend:`).\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def index_html(site_name: str) -> str:
    from markupsafe import escape

    return f"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Kelola isi · {escape(site_name)}</title>
</head>
<body>
<!-- Sveltia CMS {SVELTIA_VERSION} dari CDN (satu-satunya permintaan ke pihak ketiga, hanya di /admin/),
     dikunci dengan hash integrity: berkas yang berubah di CDN tidak akan dijalankan. -->
<script src="{SVELTIA_URL}" integrity="{SVELTIA_SRI}" crossorigin="anonymous"></script>
</body>
</html>
"""


def write_cms(site_dir: Path, repo: str | None = None, branch: str = "main", force: bool = False) -> list[str]:
    """Write static/admin/{config.yml,index.html}; an existing different file needs `force`."""
    config = load_config(site_dir)
    repo = repo or guess_repo(config.url)
    if not repo:
        raise ScaffoldError("cms.repo", 2, url=config.url)
    files = {f"{ADMIN_DIR}/config.yml": config_yaml(build_config(site_dir, repo, branch)),
             f"{ADMIN_DIR}/index.html": index_html(config.nama)}
    for rel, text in files.items():
        path = site_dir / rel
        if path.exists() and not force and path.read_text(encoding="utf-8", errors="replace") != text:
            raise ScaffoldError("cms.exists", 1, path=rel)
    for rel, text in files.items():
        path = site_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)
