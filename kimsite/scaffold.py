"""`kimsite init` (a new site) and `kimsite new` (one new content file).

Both only ever create files: a target that exists is refused and left byte-identical. The files
`new` writes are generated from the key tuples of `content.py` (`UMKM_KEYS`, …), one `Spec` per
key, so a key added to the parser without an example here fails the tests instead of silently
missing from the template. Every key appears with an Indonesian comment and an example; optional
keys are commented out, and `examples_active=True` (used by the tests) writes them all live to prove
the examples themselves are valid.

The region list of `init` is bundled inside the package (`kimsite/data/`), so an installed wheel
works without this repository. The theme is referenced by name (`tema: default`), never copied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kimsite import __version__
from kimsite.config import SOSMED_KEYS
from kimsite.content import (
    AGENDA_KEYS,
    AGENDA_LOKASI_KEYS,
    BERITA_KEYS,
    CONTENT_DIR,
    DATE_PREFIX,
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
from kimsite.formats import WIB, slugify

DATA_DIR = Path(__file__).parent / "data"
WORKFLOW_DIR = ".github/workflows"
PLACEHOLDER_PHOTO = "foto-1.jpg"
EXAMPLE_WHATSAPP = "0812-0000-0000"  # valid format, clearly a placeholder


@dataclass(frozen=True)
class Region:
    kota: str
    provinsi: str
    csv_name: str


REGIONS = (Region("Kota Malang", "Jawa Timur", "wilayah_malang.csv"),)


class ScaffoldError(Exception):
    """Refused or impossible: a message key (messages.py) with its parameters and the exit code."""

    def __init__(self, key: str, exit_code: int, /, **params: Any) -> None:
        from kimsite.messages import render_message

        self.key = key
        self.exit_code = exit_code
        self.params = params
        super().__init__(render_message(key, params, "id"))

    def text(self, lang: str = "id") -> str:
        from kimsite.messages import render_message

        return render_message(self.key, dict(self.params), lang)


# -- the field specs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """How one key is written: its comment, its example (YAML text of the value), whether it is live.

    `children` (a key tuple and its specs) makes a nested mapping, or with `is_list` a list with one
    example item. `active=False` writes it commented out (`# key: value`)."""

    comment: str
    example: str = ""
    active: bool = False
    children: tuple[tuple[str, ...], dict[str, Spec]] | None = None
    is_list: bool = False


def render_keys(keys: Sequence[str], specs: dict[str, Spec], indent: str = "", commented: bool = False,
                all_active: bool = False) -> list[str]:
    """YAML lines for `keys` in order; a key without a spec is a programming error (KeyError)."""
    lines: list[str] = []
    for key in keys:
        spec = specs[key]
        off = commented or not (spec.active or all_active)
        prefix = f"{indent}# " if off else indent
        lines.append(f"{indent}# {spec.comment}")
        if spec.children is None:
            lines.append(f"{prefix}{key}: {spec.example}")
            continue
        lines.append(f"{prefix}{key}:")
        child_keys, child_specs = spec.children
        if spec.is_list:
            lines += _as_list_item(render_keys(child_keys, child_specs, indent + "    ", off, all_active), indent)
        else:
            lines += render_keys(child_keys, child_specs, indent + "  ", off, all_active)
    return lines


def _as_list_item(lines: list[str], indent: str) -> list[str]:
    """One example item of a list: its first key line (after its comment) gets the `- `."""
    first = lines[1][len(indent) + 4:]
    lines[1] = f"{indent}  # - {first[2:]}" if first.startswith("# ") else f"{indent}  - {first}"
    return lines


def _q(text: str) -> str:
    """A double-quoted YAML string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _image_spec(comment: str, src: str, alt: str, active: bool = False) -> Spec:
    return Spec(comment, active=active, children=(IMAGE_KEYS, {
        "src": Spec("nama berkas foto di folder yang sama dengan berkas ini", src, True),
        "alt": Spec("keterangan foto untuk pembaca layar (wajib)", _q(alt), True),
    }))


def _sosmed_specs(keys: Iterable[str]) -> dict[str, Spec]:
    examples = {"instagram": "@nama.akun", "facebook": "nama.akun", "tiktok": "@nama.akun",
                "youtube": "@namakanal", "snackvideo": "@nama.akun"}
    return {k: Spec(f"akun {k} (tanpa alamat lengkap juga boleh)", _q(examples[k]), True) for k in keys}


def umkm_specs(nama: str, kategori: str, categories: Sequence[str], today: dt.date) -> dict[str, Spec]:
    pirt_year = (today.year + 5) % 100
    return {
        "nama": Spec("nama usaha (wajib)", _q(nama), True),
        "kategori": Spec("kategori (wajib), salah satu: " + ", ".join(categories), kategori, True),
        "kontak": Spec("cara menghubungi (wajib: minimal whatsapp atau telepon)", active=True, children=(
            UMKM_KONTAK_KEYS, {
                "whatsapp": Spec("nomor HP WhatsApp, selalu dengan tanda kutip", _q(EXAMPLE_WHATSAPP), True),
                "telepon": Spec("telepon rumah/kantor", _q("(0341) 000000")),
            })),
        "foto": Spec("1 sampai 5 foto di folder ini; ganti foto contoh dengan foto usaha", active=True,
                     is_list=True, children=(IMAGE_KEYS, {
                         "src": Spec("nama berkas foto", PLACEHOLDER_PHOTO, True),
                         "alt": Spec("apa yang terlihat di foto (wajib)", _q(f"Foto {nama}"), True),
                     })),
        "diperbarui": Spec("tanggal data ini terakhir dicek ke pemilik (TAHUN-BULAN-TANGGAL)",
                           today.isoformat(), True),
        "pemilik": Spec("nama panggilan pemilik; JANGAN tulis NIK atau nomor identitas", _q("Bu Sri")),
        "alamat": Spec("alamat usaha", _q("Jl. Contoh No. 1, RT 01/RW 02")),
        "lokasi": Spec("titik peta (salin dari aplikasi peta)", children=(("lat", "lon"), {
            "lat": Spec("lintang, mis. -7.96", "-7.96", True),
            "lon": Spec("bujur, mis. 112.64", "112.64", True),
        })),
        "jam_buka": Spec("jam buka per kelompok hari", is_list=True, children=(JAM_BUKA_KEYS, {
            "hari": Spec("senin, selasa, rabu, kamis, jumat, sabtu, minggu",
                         "[senin, selasa, rabu, kamis, jumat]", True),
            "buka": Spec("jam buka \"HH:MM\" dengan tanda kutip", _q("08:00"), True),
            "tutup": Spec("jam tutup \"HH:MM\" dengan tanda kutip", _q("16:00"), True),
        })),
        "catatan_jam": Spec("catatan jam buka", _q("Libur saat hari besar")),
        "produk": Spec("produk dan harga (tampil juga di poster)", is_list=True, children=(PRODUK_KEYS, {
            "nama": Spec("nama produk (wajib)", _q("Produk Contoh"), True),
            "harga": Spec("harga dalam rupiah, angka polos tanpa titik", "15000", True),
            "harga_coret": Spec("harga sebelum diskon (lebih besar dari harga)", "18000", True),
            "satuan": Spec("satuan", _q("bungkus 250 g"), True),
            "foto": _image_spec("foto produk di folder ini", PLACEHOLDER_PHOTO, "Produk contoh", True),
            "tersedia": Spec("false bila stok habis", "true", True),
        })),
        "marketplace": Spec("toko daring (alamat https lengkap)", children=(tuple(MARKETPLACE_HOSTS), {
            "shopee": Spec("Shopee", _q("https://shopee.co.id/nama-toko"), True),
            "tokopedia": Spec("Tokopedia", _q("https://www.tokopedia.com/nama-toko"), True),
            "gofood": Spec("GoFood", _q("https://gofood.co.id/malang/restaurant/nama-toko"), True),
            "grabfood": Spec("GrabFood", _q("https://food.grab.com/id/id/restaurant/nama-toko"), True),
            "shopeefood": Spec("ShopeeFood", _q("https://shopee.co.id/universal-link/now-food/shop/1"), True),
        })),
        "sosmed": Spec("media sosial usaha", children=(UMKM_SOSMED, _sosmed_specs(UMKM_SOSMED))),
        "legalitas": Spec("izin usaha, selalu dengan tanda kutip", children=(LEGALITAS_KEYS, {
            "nib": Spec("NIB, 13 angka", _q("1234567890123"), True),
            "pirt": Spec("P-IRT, 13 angka lalu 2 angka tahun berlaku", _q(f"2063573010123-{pirt_year:02d}"), True),
            "halal": Spec("nomor sertifikat halal: ID lalu angka", _q("ID35110000012345"), True),
        })),
        "pembayaran": Spec("cara bayar: " + ", ".join(PEMBAYARAN), "[tunai, qris]"),
        "layanan": Spec("layanan: " + ", ".join(LAYANAN), "[ambil-sendiri, antar]"),
        "unggulan": Spec("true: tampil di beranda kelurahan", "false", True),
        "status": Spec("status: " + ", ".join(STATUS_UMKM), STATUS_UMKM[0], True),
    }


def kelurahan_specs(kode: str, nama: str, kecamatan: str) -> dict[str, Spec]:
    return {
        "kode": Spec("kode wilayah resmi dari data/wilayah.csv (wajib, dengan tanda kutip)", _q(kode), True),
        "nama_tampil": Spec("nama tampilan bila beda dari nama resmi", _q(nama)),
        "alias": Spec("nama lain untuk pencarian", f"[{_q(nama + ' ' + kecamatan)}]"),
        "deskripsi": Spec("satu-dua kalimat tentang kelurahan (wajib)",
                          _q(f"Kelurahan {nama} di Kecamatan {kecamatan}."), True),
        "potensi": Spec("potensi unggulan", f"[{_q('Kuliner rumahan')}]"),
        "foto_sampul": _image_spec("foto sampul di folder ini", "sampul.jpg", f"Kantor Kelurahan {nama}"),
        "kantor": Spec("kantor kelurahan", children=(KANTOR_KEYS, {
            "alamat": Spec("alamat kantor", _q("Jl. Contoh No. 1"), True),
            "kode_pos": Spec("kode pos, 5 angka dengan tanda kutip", _q("65100"), True),
            "telepon": Spec("telepon kantor", _q("(0341) 000000"), True),
            "email": Spec("email kantor", _q("kelurahan@example.com"), True),
            "jam_layanan": Spec("jam layanan", _q("Senin–Jumat 08.00–15.00"), True),
            "lokasi": Spec("titik peta", active=True, children=(("lat", "lon"), {
                "lat": Spec("lintang", "-7.97", True), "lon": Spec("bujur", "112.63", True)})),
        })),
        "kim": Spec("Kelompok Informasi Masyarakat (wajib: ada)", active=True, children=(KIM_KEYS, {
            "ada": Spec("true bila kelurahan punya KIM, false bila belum", "true", True),
            "nama": Spec("nama KIM (wajib bila ada: true)", _q(f"KIM {nama}"), True),
            "sk": Spec("surat keputusan pembentukan KIM", children=(("nomor", "tanggal"), {
                "nomor": Spec("nomor SK", _q("000/001/35.73/2024"), True),
                "tanggal": Spec("tanggal SK", "2024-01-15", True)})),
            "ketua": Spec("nama ketua KIM", _q("Nama Ketua")),
            "pengurus": Spec("pengurus lain", is_list=True, children=(("nama", "jabatan"), {
                "nama": Spec("nama", _q("Nama Pengurus"), True),
                "jabatan": Spec("jabatan", _q("Sekretaris"), True)})),
            "kontak": Spec("kontak KIM", children=(("whatsapp", "email"), {
                "whatsapp": Spec("WhatsApp KIM", _q(EXAMPLE_WHATSAPP), True),
                "email": Spec("email KIM", _q("kim@example.com"), True)})),
            "sosmed": Spec("media sosial KIM", children=(SOSMED_KEYS, _sosmed_specs(SOSMED_KEYS))),
        })),
    }


def berita_specs(judul: str, when: dt.datetime, penulis: str, umkm_slugs: Sequence[str]) -> dict[str, Spec]:
    terkait = umkm_slugs[0] if umkm_slugs else ""
    return {
        "judul": Spec("judul berita (wajib, paling panjang 100 karakter)", _q(judul), True),
        "tanggal": Spec("tanggal dan jam kegiatan (wajib); sama dengan tanggal di nama berkas",
                        when.strftime("%Y-%m-%d %H:%M"), True),
        "penulis": Spec("nama penulis (wajib)", _q(penulis), True),
        "ringkasan": Spec("ringkasan untuk daftar berita (paling panjang 160 karakter)", _q("Ringkasan singkat.")),
        "foto_sampul": _image_spec("foto sampul di folder ini", "sampul.jpg", "Suasana kegiatan"),
        "galeri": Spec("foto-foto lain", is_list=True, children=(IMAGE_KEYS, {
            "src": Spec("nama berkas foto", "foto-kegiatan-1.jpg", True),
            "alt": Spec("apa yang terlihat di foto", _q("Peserta kegiatan"), True)})),
        "kategori": Spec("kategori: " + ", ".join(KATEGORI_BERITA), KATEGORI_BERITA[0], True),
        "umkm_terkait": Spec("slug UMKM kelurahan ini yang dibahas", f"[{terkait or 'slug-umkm'}]"),
        "tag": Spec("kata kunci", "[kegiatan-warga]"),
        "draft": Spec("true: belum diterbitkan", "false", True),
        "sumber_asli": Spec("alamat unggahan asli di Instagram/Facebook/TikTok",
                            _q("https://www.instagram.com/p/contoh/")),
    }


def agenda_specs(judul: str, mulai: dt.datetime, lokasi: str, penyelenggara: str) -> dict[str, Spec]:
    selesai = mulai + dt.timedelta(hours=2)
    return {
        "judul": Spec("judul acara (wajib)", _q(judul), True),
        "mulai": Spec("tanggal dan jam mulai (wajib), WIB", mulai.strftime("%Y-%m-%d %H:%M"), True),
        "selesai": Spec("tanggal dan jam selesai", selesai.strftime("%Y-%m-%d %H:%M"), True),
        "lokasi": Spec("tempat acara (wajib: nama)", active=True, children=(AGENDA_LOKASI_KEYS, {
            "nama": Spec("nama tempat (wajib)", _q(lokasi), True),
            "alamat": Spec("alamat tempat", _q("Jl. Contoh No. 1")),
            "lat": Spec("lintang", "-7.97"),
            "lon": Spec("bujur", "112.63"),
        })),
        "penyelenggara": Spec("penyelenggara (wajib)", _q(penyelenggara), True),
        "biaya": Spec("biaya dalam rupiah, 0 = gratis", "0", True),
        "kontak": Spec("kontak panitia", children=(("whatsapp",), {
            "whatsapp": Spec("WhatsApp panitia", _q(EXAMPLE_WHATSAPP), True)})),
        "status": Spec("status: " + ", ".join(STATUS_AGENDA), STATUS_AGENDA[0], True),
    }


def halaman_specs(judul: str) -> dict[str, Spec]:
    return {
        "judul": Spec("judul halaman (wajib)", _q(judul), True),
        "urutan": Spec("urutan di menu (angka kecil lebih dulu)", "10", True),
        "menu": Spec("true: tampil di menu atas", "false", True),
    }


def front_matter(keys: Sequence[str], specs: dict[str, Spec], body: str, all_active: bool = False) -> str:
    lines = ["---", *render_keys(keys, specs, all_active=all_active), "---", body.strip(), ""]
    return "\n".join(lines)


# -- reading the site ---------------------------------------------------------------------------------

def bundled_region_rows(region: Region) -> list[tuple[str, str, str]]:
    text = (DATA_DIR / region.csv_name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return [(r[0].strip(), r[1].strip(), r[2].strip()) for r in rows[1:] if len(r) == 3]


def _today() -> dt.datetime:
    from kimsite.build import build_time

    return build_time()


def _write_new(path: Path, text: str | bytes) -> None:
    """Create `path`; never replace an existing file (O_EXCL), so a race cannot overwrite either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def placeholder_photo() -> bytes:
    """A small, plain JPEG that says 'replace me': every new UMKM builds without a photo warning."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (800, 600), (226, 232, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 220, 500, 360), outline=(90, 110, 100), width=8)
    draw.ellipse((360, 250, 440, 330), outline=(90, 110, 100), width=8)
    draw.rectangle((330, 200, 390, 222), fill=(90, 110, 100))
    try:
        font = ImageFont.load_default(size=40)
    except TypeError:  # Pillow < 10.1 has one small bitmap font
        font = ImageFont.load_default()
    draw.text((400, 440), "Ganti dengan foto usaha", fill=(60, 70, 65), anchor="mm", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, optimize=True)
    return buffer.getvalue()


# -- init -------------------------------------------------------------------------------------------

def find_region(kota: str) -> Region:
    for region in REGIONS:
        if slugify(region.kota) == slugify(kota) or slugify(region.kota.removeprefix("Kota ")) == slugify(kota):
            return region
    raise ScaffoldError("init.region_unknown", 2, value=kota, options=", ".join(r.kota for r in REGIONS))


def find_bundled_kelurahan(value: str) -> tuple[Region, tuple[str, str, str]]:
    """A kelurahan of the bundled data by code, name or slug."""
    wanted = value.strip()
    for region in REGIONS:
        rows = bundled_region_rows(region)
        matches = [r for r in rows if r[0] == wanted or slugify(r[2]) == slugify(wanted)]
        if len(matches) == 1:
            return region, matches[0]
    options = [f"{r[0]} {r[2]}" for region in REGIONS for r in bundled_region_rows(region)]
    raise ScaffoldError("init.kelurahan_unknown", 2, value=value, options=", ".join(options))


def workflow_files(for_repo: bool = False) -> dict[str, str]:
    """The two GitHub Actions workflows. `for_repo` installs kimsite from the checkout (this
    repository's own files); an `init` site installs the pinned version from requirements.txt."""
    install = "pip install ." if for_repo else "pip install -r requirements.txt"
    deps = "pyproject.toml" if for_repo else "requirements.txt"
    setup = f"""      - uses: actions/checkout@v5
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: {deps}
      - name: Pasang kimsite
        run: {install}
"""
    pages = f"""# Menerbitkan situs ke GitHub Pages setiap kali cabang main berubah (dibuat oleh kimsite).
# Aktifkan sekali di GitHub: Settings → Pages → Build and deployment → Source: GitHub Actions.
name: Terbitkan ke GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
{setup}      - name: Siapkan GitHub Pages
        id: pages
        uses: actions/configure-pages@v5
      - name: Periksa isi situs
        run: kimsite check --format github --base-url "$BASE_URL"
        env:
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
      - name: Pakai ulang hasil build sebelumnya (foto yang sudah dikodekan, Markdown yang sudah dirender)
        uses: actions/cache@v4
        with:
          path: .kimsite-cache
          key: kimsite-${{{{ runner.os }}}}-${{{{ github.sha }}}}
          restore-keys: kimsite-${{{{ runner.os }}}}-
      - name: Bangun situs
        run: kimsite build --base-url "$BASE_URL"
        env:
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
      - uses: actions/upload-pages-artifact@v3
        with:
          path: build

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Terbitkan
        id: deployment
        uses: actions/deploy-pages@v4
"""
    check = f"""# Memeriksa setiap usulan perubahan (pull request): galat muncul langsung di baris berkasnya.
name: Periksa isi situs

on:
  pull_request:

permissions:
  contents: read

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
{setup}      - name: Periksa isi situs
        run: kimsite check --format github
"""
    return {f"{WORKFLOW_DIR}/pages.yml": pages, f"{WORKFLOW_DIR}/check.yml": check}


def init_site(target: Path, kelurahan: str | None = None, kota: str | None = None) -> list[str]:
    """Create a new site in `target` (missing or empty); return the files written, sorted."""
    if kelurahan and kota:
        raise ScaffoldError("init.need_region", 2)
    if not kelurahan and not kota:
        raise ScaffoldError("init.need_region", 2)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError("init.not_empty", 1, path=str(target))
    row: tuple[str, str, str] | None = None
    if kelurahan:
        region, row = find_bundled_kelurahan(kelurahan)
    else:
        region = find_region(kota or "")
    files: dict[str, str | bytes] = {}
    if row:
        nama_situs = f"KIM {row[2]}"
        slug = slugify(row[2])
        deskripsi = f"Berita, agenda dan UMKM Kelurahan {row[2]}, Kecamatan {row[1]}, {region.kota}."
        jenis = "kim"
    else:
        nama_situs = f"Portal UMKM & KIM {region.kota}"
        slug = "portal-" + slugify(region.kota)
        deskripsi = f"Direktori UMKM, berita dan agenda KIM kelurahan-kelurahan di {region.kota}."
        jenis = "diskominfo"
    files["site.yaml"] = f"""# Pengaturan situs (dibuat oleh `kimsite init`); tiap kunci: docs/model-konten.md
# Nama situs (wajib).
nama: {_q(nama_situs)}
# Alamat situs (wajib). Saat terbit di GitHub Pages, alur kerja .github/workflows/pages.yml
# menggantinya otomatis dengan alamat Pages yang sebenarnya.
url: "https://contoh.github.io/{slug}/"
# Satu kalimat tentang situs (wajib).
deskripsi: {_q(deskripsi)}
# Bahasa tampilan: id atau en.
bahasa: id
# Tema (folder di themes/, atau tema bawaan kimsite).
tema: default
kota: {_q(region.kota)}
provinsi: {_q(region.provinsi)}
# Daftar wilayah resmi (kode,kecamatan,kelurahan); lisensi di data/LISENSI-wilayah.md.
wilayah: data/wilayah.csv
# Pengelola situs (wajib): jenis kim atau diskominfo.
pengelola:
  nama: {_q(nama_situs if row else "Diskominfo " + region.kota)}
  jenis: {jenis}
"""
    files["data/wilayah.csv"] = (DATA_DIR / region.csv_name).read_text(encoding="utf-8")
    files["data/LISENSI-wilayah.md"] = (DATA_DIR / "LISENSI-wilayah.md").read_text(encoding="utf-8")
    files[f"{CONTENT_DIR}/halaman/tentang.md"] = front_matter(HALAMAN_KEYS, {
        **halaman_specs("Tentang"), "menu": Spec("true: tampil di menu atas", "true", True)},
        f"{nama_situs} dikelola oleh relawan. Tulis di sini siapa pengelolanya dan cara menghubungi kami.")
    if row:
        kode, kecamatan, nama = row
        files[f"{CONTENT_DIR}/kelurahan/{slugify(nama)}/_index.md"] = front_matter(
            KELURAHAN_KEYS, kelurahan_specs(kode, nama, kecamatan), _kelurahan_body(nama))
    files.update(workflow_files())
    files["requirements.txt"] = (f"# Versi kimsite yang membangun situs ini (dipakai GitHub Actions).\n"
                                 f"kimsite=={__version__}\n")
    files[".gitignore"] = "build/\n.kimsite-cache/\n"
    target.mkdir(parents=True, exist_ok=True)
    for rel in sorted(files):
        _write_new(target / rel, files[rel])
    return sorted(files)


def _kelurahan_body(nama: str) -> str:
    return (f"Tulis profil Kelurahan {nama} di sini: sejarah singkat, jumlah RW dan RT, potensi dan "
            "kegiatan warga.")


# -- new ----------------------------------------------------------------------------------------------

KINDS = ("umkm", "berita", "agenda", "halaman", "kelurahan")


@dataclass(frozen=True)
class NewOptions:
    kind: str
    name: str
    site_dir: Path
    kelurahan: str | None = None
    kategori: str | None = None
    penulis: str | None = None
    mulai: str | None = None
    examples_active: bool = False  # every optional example written live (tests prove them valid)


def site_kelurahan(site_dir: Path) -> list[str]:
    """Slugs of the kelurahan microsites of a site (folders with an `_index.md`), sorted."""
    root = site_dir / CONTENT_DIR / "kelurahan"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "_index.md").is_file())


def _pick_kelurahan(site_dir: Path, wanted: str | None) -> str:
    options = site_kelurahan(site_dir)
    if wanted:
        slug = slugify(wanted)
        if slug in options:
            return slug
        raise ScaffoldError("new.kelurahan_unknown", 1, value=wanted, options=", ".join(options) or "-")
    if len(options) == 1:
        return options[0]
    raise ScaffoldError("new.kelurahan_needed", 2, options=", ".join(options) or "-")


def _existing_slug(folder: Path, slug: str, dated: bool) -> Path | None:
    """An existing file or folder of `folder` whose slug is `slug` (date prefixes ignored)."""
    if not folder.is_dir():
        return None
    for entry in sorted(folder.iterdir()):
        stem = entry.name[:-3] if entry.name.endswith(".md") else entry.name
        if dated:
            match = DATE_PREFIX.match(stem)
            stem = match.group(2) if match else stem
        if stem == slug:
            return entry
    return None


def new_content(options: NewOptions) -> list[str]:
    """Write one new content file (and its placeholder photo); return the site-relative paths."""
    from kimsite.config import load_config

    if options.kind not in KINDS:
        raise ScaffoldError("new.kind_unknown", 2, value=options.kind, options=", ".join(KINDS))
    config = load_config(options.site_dir)
    site = options.site_dir
    slug = slugify(options.name)
    if not slug:
        raise ScaffoldError("new.bad_name", 2, value=options.name)
    now = _today()
    today = now.date()
    active = options.examples_active
    files: dict[str, str | bytes] = {}
    kind = options.kind
    if kind == "kelurahan":
        rows = _wilayah_rows(site, config.wilayah)
        matches = [r for r in rows if r[0] == options.name.strip() or slugify(r[2]) == slug]
        if len(matches) != 1:
            raise ScaffoldError("new.wilayah_unknown", 1, value=options.name, wilayah=config.wilayah,
                                options=", ".join(f"{r[0]} {r[2]}" for r in rows))
        kode, kecamatan, nama = matches[0]
        folder = f"{CONTENT_DIR}/kelurahan/{slugify(nama)}"
        _refuse_existing(site, site / folder / "_index.md", site / folder / "_index.md")
        files[f"{folder}/_index.md"] = front_matter(KELURAHAN_KEYS, kelurahan_specs(kode, nama, kecamatan),
                                                   _kelurahan_body(nama), active)
        if active:
            files[f"{folder}/sampul.jpg"] = placeholder_photo()
    elif kind == "halaman":
        if options.kelurahan:
            kel = _pick_kelurahan(site, options.kelurahan)
            folder = f"{CONTENT_DIR}/kelurahan/{kel}/halaman"
        else:
            folder = f"{CONTENT_DIR}/halaman"
        _refuse_existing(site, _existing_slug(site / folder, slug, False), site / folder / f"{slug}.md")
        files[f"{folder}/{slug}.md"] = front_matter(HALAMAN_KEYS, halaman_specs(options.name.strip()),
                                                    "Tulis isi halaman di sini. Pakai `##` untuk subjudul.", active)
    else:
        kel = _pick_kelurahan(site, options.kelurahan)
        base = f"{CONTENT_DIR}/kelurahan/{kel}"
        if kind == "umkm":
            categories = [s for s, _ in config.kategori_umkm]
            kategori = options.kategori or ("lainnya" if "lainnya" in categories else categories[0])
            if kategori not in categories:
                raise ScaffoldError("new.kategori_unknown", 1, value=kategori, options=", ".join(categories))
            folder = f"{base}/umkm"
            _refuse_existing(site, _existing_slug(site / folder, slug, False), site / folder / slug)
            files[f"{folder}/{slug}/index.md"] = front_matter(
                UMKM_KEYS, umkm_specs(options.name.strip(), kategori, categories, today),
                f"Ceritakan {options.name.strip()} di sini: apa yang dijual, apa yang membuatnya istimewa, "
                "sejak kapan berdiri dan cara memesannya.", active)
            files[f"{folder}/{slug}/{PLACEHOLDER_PHOTO}"] = placeholder_photo()
        elif kind == "berita":
            folder = f"{base}/berita"
            _refuse_existing(site, _existing_slug(site / folder, slug, True), site / folder / f"{slug}.md")
            when = now.replace(second=0, microsecond=0)
            umkm_slugs = _umkm_slugs(site, kel) if active else []
            specs = berita_specs(options.name.strip(), when, options.penulis or f"Tim KIM {kel}", umkm_slugs)
            if active and not umkm_slugs:
                specs["umkm_terkait"] = Spec(specs["umkm_terkait"].comment, "[]", False)
            files[f"{folder}/{when.date().isoformat()}-{slug}.md"] = front_matter(
                BERITA_KEYS, specs, "Tulis isi berita di sini: apa, siapa, kapan, di mana, mengapa dan "
                "bagaimana kegiatannya.", active)
            if active:
                files[f"{folder}/sampul.jpg"] = placeholder_photo()
                files[f"{folder}/foto-kegiatan-1.jpg"] = placeholder_photo()
        else:  # agenda
            folder = f"{base}/agenda"
            _refuse_existing(site, _existing_slug(site / folder, slug, True), site / folder / f"{slug}.md")
            mulai = _parse_mulai(options.mulai, now)
            files[f"{folder}/{mulai.date().isoformat()}-{slug}.md"] = front_matter(
                AGENDA_KEYS, agenda_specs(options.name.strip(), mulai, f"Kantor Kelurahan {kel.title()}",
                                          f"KIM {kel.replace('-', ' ').title()}"),
                "Tulis keterangan acara di sini: susunan acara, siapa yang boleh datang, apa yang perlu dibawa.",
                active)
    for rel in sorted(files, key=lambda r: (not r.endswith(".md"), r)):
        path = site / rel
        if path.exists():
            continue  # a photo already there (active examples) is kept
        _write_new(path, files[rel])
    return sorted(files)


def _parse_mulai(text: str | None, now: dt.datetime) -> dt.datetime:
    if text:
        try:
            value = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise ScaffoldError("new.bad_mulai", 2, value=text) from None
        return value.replace(tzinfo=None)
    day = (now + dt.timedelta(days=7)).astimezone(WIB)
    return dt.datetime(day.year, day.month, day.day, 8, 0)


def _refuse_existing(site: Path, found: Path | None, planned: Path) -> None:
    if found is not None and found.exists():
        raise ScaffoldError("new.exists", 1, path=found.relative_to(site).as_posix())
    if planned.exists():
        raise ScaffoldError("new.exists", 1, path=planned.relative_to(site).as_posix())


def _umkm_slugs(site: Path, kel: str) -> list[str]:
    folder = site / CONTENT_DIR / "kelurahan" / kel / "umkm"
    if not folder.is_dir():
        return []
    return sorted(p.name[:-3] if p.name.endswith(".md") else p.name for p in folder.iterdir()
                  if p.name.endswith(".md") or (p / "index.md").is_file())


def _wilayah_rows(site: Path, rel: str) -> list[tuple[str, str, str]]:
    try:
        text = (site / rel).read_text(encoding="utf-8-sig")
    except OSError:
        return []
    rows = list(csv.reader(io.StringIO(text)))
    return [(r[0].strip(), r[1].strip(), r[2].strip()) for r in rows[1:] if len(r) == 3]
