"""A corpus of malformed sites: every mistake a volunteer can make, each one its own test id.

Each case starts from a site that built fine, breaks it, and rebuilds. The rebuild must:
exit 1; report the problem at the right `path:line` with a fix (the message has a `;` before the
hint); print no traceback; write nothing outside the output folder; leave the previous output
byte-identical. A handful of inputs that look odd but are valid (BOM, CRLF) must build.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sitetools import build_site, make_site, tree_bytes

KEL = "content/kelurahan/purwantoro"
U = f"{KEL}/umkm/x.md"
B = f"{KEL}/berita/2026-11-01-rapat.md"
A = f"{KEL}/agenda/2026-12-01-senam.md"
K = f"{KEL}/_index.md"
H = "content/halaman/tentang.md"
BODY = "Warung kecil di gang tiga yang menjual nasi pecel dan gorengan hangat setiap pagi."

UMKM_OK = ("nama: Warung Uji", "kategori: kuliner", "kontak:", '  whatsapp: "0812-3456-7890"',
           "diperbarui: 2026-10-01")  # front lines 2-6
BERITA_OK = ("judul: Rapat KIM", "tanggal: 2026-11-01", "penulis: Admin KIM")  # lines 2-4
AGENDA_OK = ("judul: Senam Pagi", "mulai: 2026-12-01 06:00", "lokasi:", "  nama: Balai RW 3",
             "penyelenggara: KIM Purwantoro")  # lines 2-6
KEL_OK = ('kode: "35.73.01.1007"', "deskripsi: Kelurahan uji di Kecamatan Blimbing.", "kim:", "  ada: true",
          "  nama: KIM Purwantoro Uji")  # lines 2-6
SITE_OK = ("nama: Situs Uji", "url: https://contoh.github.io/uji/", "deskripsi: Situs kecil untuk pengujian.",
           "kota: Kota Malang", "provinsi: Jawa Timur", "pengelola:", "  nama: KIM Uji", "  jenis: kim")  # 1-8


def md(*front: str, body: str = BODY) -> str:
    """A Markdown file: `---` on line 1, `front[i]` on line i + 2, `---`, then the body."""
    return "---\n" + "".join(f"{line}\n" for line in front) + "---\n" + body + "\n"


def yaml(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 20, 20)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def with_photo(*front: str, src: str = "foto.png") -> tuple[str, ...]:
    return (*front, "foto:", f"  - src: {src}", "    alt: Foto warung")


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | None]
    where: str  # expected "path:line" (line 0 → just the path)
    setup: Callable[[Path, Path], None] | None = None  # (site, tmp) → None, e.g. symlinks
    extra: dict[str, str | bytes | None] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.where}: "


def at(path: str, line: int = 0) -> str:
    return f"{path}:{line}" if line else path


def umkm_case(cid: str, *front: str, line: int, body: str = BODY, **extra: str | bytes | None) -> Case:
    return Case(cid, {U: md(*front, body=body), **extra}, at(U, line))


def berita_case(cid: str, *front: str, line: int, body: str = BODY, **extra: str | bytes | None) -> Case:
    return Case(cid, {B: md(*front, body=body), **extra}, at(B, line))


def agenda_case(cid: str, *front: str, line: int) -> Case:
    return Case(cid, {A: md(*front)}, at(A, line))


def kel_case(cid: str, *front: str, line: int) -> Case:
    return Case(cid, {K: md(*front, body="Profil kelurahan uji.")}, at(K, line))


def site_case(cid: str, *lines: str, line: int) -> Case:
    return Case(cid, {"site.yaml": yaml(*lines)}, at("site.yaml", line))


def symlink(link: str, target: Callable[[Path, Path], Path]) -> Callable[[Path, Path], None]:
    def make(site: Path, tmp: Path) -> None:
        path = site / link
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target(site, tmp), path)
    return make


def outside_file(site: Path, tmp: Path) -> Path:
    secret = tmp / "rahasia.md"
    secret.write_text(md(*UMKM_OK), encoding="utf-8")
    return secret


def circular(site: Path, tmp: Path) -> None:
    folder = site / KEL / "umkm"
    os.symlink(folder / "b.md", folder / "a.md")
    os.symlink(folder / "a.md", folder / "b.md")


def self_loop(site: Path, tmp: Path) -> None:
    folder = site / KEL / "umkm"
    os.symlink(folder / "diri.md", folder / "diri.md")


def dir_loop(site: Path, tmp: Path) -> None:
    os.symlink(site / "content", site / KEL / "halaman")


def _big_front() -> str:
    return md(*UMKM_OK, "catatan_jam: >", *(["  " + "x" * 99] * 51_000))


def _deep_block(levels: int) -> tuple[str, ...]:
    return tuple("  " * i + f"k{i}:" for i in range(levels)) + ("  " * levels + "v",)


BILLION_LAUGHS = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
                  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
                  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]", "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]")

CASES: list[Case] = [
    # -- YAML syntax ---------------------------------------------------------------------------------
    Case("frontmatter-unclosed", {U: "---\n" + yaml(*UMKM_OK) + "\n" + BODY + "\n"}, at(U, 1)),
    Case("frontmatter-missing", {U: BODY + "\n"}, at(U, 1)),
    Case("frontmatter-empty-file", {U: ""}, at(U, 1)),
    Case("frontmatter-dashes-indented", {U: " ---\n" + yaml(*UMKM_OK) + "---\n" + BODY}, at(U, 1)),
    umkm_case("yaml-tab-indent", "nama: Warung Uji", "kategori: kuliner", "kontak:", '\twhatsapp: "0812-3456-7890"',
              line=5),
    umkm_case("yaml-tab-in-list", *UMKM_OK, "pembayaran:", "\t- tunai", line=8),
    umkm_case("yaml-a-b-c", "nama: Warung: Enak: Murah", *UMKM_OK[1:], line=2),
    umkm_case("yaml-colon-in-title", *UMKM_OK[:1], "catatan_jam: Buka: pagi", *UMKM_OK[1:], line=3),
    umkm_case("yaml-bad-indent-deeper", *UMKM_OK[:4], "    telepon: \"0341-551234\"", *UMKM_OK[4:], line=6),
    umkm_case("yaml-bad-indent-list", *UMKM_OK, "foto:", "  - src: a.png", "   alt: foto", line=9),
    umkm_case("yaml-bad-indent-dedent", *UMKM_OK, "kontak2:", "    a: 1", "  b: 2", line=9),
    umkm_case("yaml-unclosed-double-quote", 'nama: "Warung Uji', *UMKM_OK[1:], line=2),
    umkm_case("yaml-unclosed-single-quote", *UMKM_OK, "pemilik: 'Bu Sri", line=7),
    umkm_case("yaml-unclosed-flow-list", *UMKM_OK, "pembayaran: [tunai, qris", line=7),
    umkm_case("yaml-unclosed-flow-map", *UMKM_OK, "lokasi: {lat: -7.9, lon: 112.6", line=7),
    umkm_case("yaml-stray-bracket", *UMKM_OK, "pembayaran: tunai]", line=7),
    umkm_case("yaml-quote-then-text", *UMKM_OK, 'pemilik: "Bu" Sri', line=7),
    umkm_case("yaml-list-and-map-mixed", *UMKM_OK, "pembayaran:", "  - tunai", "  qris: ya", line=9),
    umkm_case("yaml-directive-inside", "%YAML 1.1", *UMKM_OK, line=2),
    umkm_case("yaml-undefined-alias", *UMKM_OK, "pemilik: *pemilik", line=7),
    umkm_case("yaml-control-char", *UMKM_OK, "pemilik: Bu\x07Sri", line=7),
    umkm_case("yaml-escaped-control-char", *UMKM_OK, 'pemilik: "Bu\\x1bSri"', line=7),
    umkm_case("yaml-nul-escape", *UMKM_OK, 'pemilik: "Bu\\0Sri"', line=7),
    Case("file-nul-byte", {U: md(*UMKM_OK, "pemilik: Bu\x00Sri")}, at(U, 7)),
    Case("file-latin1-bytes", {U: md(*UMKM_OK).replace("Warung Uji", "Warung Caf\xe9").encode("latin-1")}, at(U, 2)),
    Case("file-latin1-in-body", {U: (md(*UMKM_OK) + "Kop\xed enak\n").encode("latin-1")}, at(U, 9)),
    Case("file-utf16", {U: md(*UMKM_OK).encode("utf-16")}, at(U, 1)),
    Case("site-yaml-latin1", {"site.yaml": yaml(*SITE_OK).replace("Kota Malang", "Kota M\xe1lang").encode("latin-1")},
         at("site.yaml", 4)),
    umkm_case("yaml-front-is-list", "- nama", "- kuliner", line=2),
    umkm_case("yaml-front-is-text", "hanya teks", line=2),
    umkm_case("yaml-complex-key", *UMKM_OK, "? [a, b]", ": nilai", line=7),
    umkm_case("yaml-invalid-date", *UMKM_OK[:4], "diperbarui: 2026-13-45", line=6),
    umkm_case("yaml-invalid-date-nested", *UMKM_OK, "legalitas:", "  halal: 2026-02-30", line=8),
    site_case("site-yaml-unclosed-quote", *SITE_OK[:2], 'deskripsi: "Situs', *SITE_OK[3:], line=3),
    site_case("site-yaml-tab", *SITE_OK[:6], "\tnama: KIM Uji", "  jenis: kim", line=7),
    site_case("site-yaml-a-b-c", "nama: KIM: Situs: Uji", *SITE_OK[1:], line=1),
    site_case("site-yaml-is-list", "- nama", "- url", line=1),
    # -- YAML traps ------------------------------------------------------------------------------------
    umkm_case("trap-no-as-false", *UMKM_OK, "pemilik: NO", line=7),
    umkm_case("trap-yes-in-text", *UMKM_OK, "alamat: yes", line=7),
    umkm_case("trap-off-in-list", *UMKM_OK, "pembayaran:", "  - tunai", "  - off", line=9),
    umkm_case("trap-time-sexagesimal", *UMKM_OK, "jam_buka:", "  - hari: [senin]", "    buka: 8:30",
              '    tutup: "16:00"', line=9),
    umkm_case("trap-time-sexagesimal-tutup", *UMKM_OK, "jam_buka:", "  - hari: [senin]", '    buka: "08:30"',
              "    tutup: 16:00", line=10),
    umkm_case("trap-whatsapp-int", *UMKM_OK[:3], "  whatsapp: 6281234567890", *UMKM_OK[4:], line=5),
    umkm_case("trap-whatsapp-plus", *UMKM_OK[:3], "  whatsapp: +6281234567890", *UMKM_OK[4:], line=5),
    umkm_case("trap-telepon-int", *UMKM_OK[:4], "  telepon: 341551234", *UMKM_OK[4:], line=6),
    umkm_case("trap-nib-int", *UMKM_OK, "legalitas:", "  nib: 1234567890123", line=8),
    umkm_case("trap-pirt-int", *UMKM_OK, "legalitas:", "  pirt: 206357301012327", line=8),
    kel_case("trap-kode-float", "kode: 35.73", *KEL_OK[1:], line=2),
    kel_case("trap-kode-int", "kode: 3573011007", *KEL_OK[1:], line=2),
    kel_case("trap-kodepos-octal", *KEL_OK, "kantor:", "  kode_pos: 06512", line=8),
    kel_case("trap-kodepos-int-short", *KEL_OK, "kantor:", "  kode_pos: 6512", line=8),
    umkm_case("trap-harga-dots-float", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: 15.000", line=9),
    umkm_case("trap-harga-dots-text", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: 1.500.000", line=9),
    umkm_case("trap-harga-octal", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: 0o17", line=9),
    umkm_case("trap-duplicate-key", *UMKM_OK, "nama: Warung Lain", line=7),
    umkm_case("trap-duplicate-nested-key", *UMKM_OK[:4], '  whatsapp: "0813-1111-2222"', *UMKM_OK[4:], line=6),
    umkm_case("trap-python-object", *UMKM_OK, "pemilik: !!python/object:os.system ls", line=7),
    umkm_case("trap-python-apply", *UMKM_OK, 'pemilik: !!python/object/apply:os.system ["ls"]', line=7),
    umkm_case("trap-python-name", *UMKM_OK, "pemilik: !!python/name:os.system", line=7),
    umkm_case("trap-custom-tag", *UMKM_OK, "pemilik: !rahasia Bu Sri", line=7),
    umkm_case("trap-binary-tag", *UMKM_OK, "pemilik: !!binary aGVsbG8=", line=7),
    umkm_case("trap-set-tag", *UMKM_OK, "pembayaran: !!set {tunai: null}", line=7),
    umkm_case("trap-alias-bomb", *UMKM_OK, *BILLION_LAUGHS, line=7),  # the first anchor
    umkm_case("trap-merge-key", *UMKM_OK, "x: &x {a: 1}", "lokasi:", "  <<: *x", line=7),
    umkm_case("trap-anchor-reuse", *UMKM_OK[:4], "  telepon: &t \"0341-551234\"", "pemilik: *t", line=6),
    Case("trap-5mb-front-matter", {U: _big_front()}, at(U, 1)),
    umkm_case("trap-deep-nesting", *UMKM_OK, "lokasi:", *("  " + line for line in _deep_block(60)), line=57),
    umkm_case("trap-deep-flow", *UMKM_OK, "lokasi: " + "[" * 80 + "]" * 80, line=7),
    # -- wrong types ------------------------------------------------------------------------------------
    umkm_case("type-nama-list", "nama: [Warung, Uji]", *UMKM_OK[1:], line=2),
    umkm_case("type-nama-number", "nama: 2024", *UMKM_OK[1:], line=2),
    umkm_case("type-nama-date", "nama: 2024-08-17", *UMKM_OK[1:], line=2),
    umkm_case("type-kontak-text", *UMKM_OK[:2], 'kontak: "0812-3456-7890"', *UMKM_OK[4:], line=4),
    umkm_case("type-foto-text", *UMKM_OK, "foto: keripik.png", line=7),
    umkm_case("type-foto-item-text", *UMKM_OK, "foto:", "  - keripik.png", line=8),
    umkm_case("type-harga-text", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: murah", line=9),
    umkm_case("type-harga-negative", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: -5000", line=9),
    umkm_case("type-harga-coret-lower", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: 9000",
              "    harga_coret: 8000", line=10),
    umkm_case("type-lat-text", *UMKM_OK, "lokasi:", "  lat: -7,95", "  lon: 112.6", line=8),
    umkm_case("type-lat-range", *UMKM_OK, "lokasi:", "  lat: -97.9", "  lon: 112.6", line=8),
    umkm_case("type-bool-ya", *UMKM_OK, "unggulan: ya", line=7),
    umkm_case("type-bool-quoted", *UMKM_OK, 'unggulan: "true"', line=7),
    umkm_case("type-jam-buka-text", *UMKM_OK, 'jam_buka: "08:00-17:00"', line=7),
    umkm_case("type-hari-capital", *UMKM_OK, "jam_buka:", "  - hari: [Senin]", '    buka: "08:00"',
              '    tutup: "16:00"', line=8),
    umkm_case("type-kategori-capital", *UMKM_OK[:1], "kategori: Kuliner", *UMKM_OK[2:], line=3),
    umkm_case("type-kategori-unknown", *UMKM_OK[:1], "kategori: makanan", *UMKM_OK[2:], line=3),
    umkm_case("type-status-unknown", *UMKM_OK, "status: libur", line=7),
    umkm_case("type-pembayaran-unknown", *UMKM_OK, "pembayaran: [tunai, gopay]", line=7),
    umkm_case("type-pembayaran-duplicate", *UMKM_OK, "pembayaran:", "  - tunai", "  - tunai", line=9),
    umkm_case("type-diperbarui-dmy", *UMKM_OK[:4], "diperbarui: 01-10-2026", line=6),
    umkm_case("type-whatsapp-landline", *UMKM_OK[:3], '  whatsapp: "0341-551234"', *UMKM_OK[4:], line=5),
    umkm_case("type-telepon-letters", *UMKM_OK[:4], '  telepon: "telp kantor"', *UMKM_OK[4:], line=6),
    umkm_case("type-marketplace-host", *UMKM_OK, "marketplace:", "  shopee: https://evil.example/toko", line=8),
    umkm_case("type-marketplace-scheme", *UMKM_OK, "marketplace:", "  tokopedia: javascript:alert(1)", line=8),
    umkm_case("type-sosmed-handle", *UMKM_OK, "sosmed:", "  instagram: '@warung uji!'", line=8),
    umkm_case("type-nib-short", *UMKM_OK, "legalitas:", '  nib: "12345"', line=8),
    umkm_case("type-nama-too-long", "nama: " + "a" * 101, *UMKM_OK[1:], line=2),
    berita_case("type-tanggal-text", BERITA_OK[0], "tanggal: kemarin", BERITA_OK[2], line=3),
    berita_case("type-tag-text", *BERITA_OK, "tag: 12", line=5),
    berita_case("type-draft-text", *BERITA_OK, "draft: mungkin", line=5),
    berita_case("type-sumber-javascript", *BERITA_OK, "sumber_asli: javascript:alert(1)", line=5),
    berita_case("berita-date-prefix-mismatch", BERITA_OK[0], "tanggal: 2026-11-02", BERITA_OK[2], line=3),
    Case("berita-prefix-not-a-date", {f"{KEL}/berita/2026-02-30-rapat.md": md("judul: Rapat", "tanggal: 2026-02-28",
                                                                              "penulis: Admin")},
         at(f"{KEL}/berita/2026-02-30-rapat.md")),
    agenda_case("agenda-end-before-start", *AGENDA_OK, "selesai: 2026-11-30 06:00", line=7),
    agenda_case("agenda-biaya-text", *AGENDA_OK, "biaya: gratis", line=7),
    agenda_case("agenda-lokasi-text", *AGENDA_OK[:2], "lokasi: Balai RW 3", AGENDA_OK[4], line=4),
    kel_case("type-kim-bool", *KEL_OK[:2], "kim: true", line=4),
    kel_case("type-kim-ada-text", *KEL_OK[:3], "  ada: ada", "  nama: KIM", line=5),
    kel_case("kim-not-ada-with-name", *KEL_OK[:3], "  ada: false", "  nama: KIM Lama", line=6),
    kel_case("type-kode-unknown", 'kode: "35.73.09.9999"', *KEL_OK[1:], line=2),
    kel_case("type-email-invalid", *KEL_OK, "kantor:", "  email: kantor at malang", line=8),
    site_case("site-url-javascript", SITE_OK[0], "url: javascript:alert(1)", *SITE_OK[2:], line=2),
    site_case("site-url-no-scheme", SITE_OK[0], "url: contoh.github.io/uji", *SITE_OK[2:], line=2),
    site_case("site-bahasa-unknown", *SITE_OK, "bahasa: jv", line=9),
    site_case("site-offline-text", *SITE_OK, "offline: mungkin", line=9),
    site_case("site-kategori-text", *SITE_OK, "kategori_umkm: kuliner", line=9),
    site_case("site-nama-number", "nama: 2024", *SITE_OK[1:], line=1),
    site_case("site-wilayah-outside", *SITE_OK, "wilayah: ../../etc/passwd", line=9),
    site_case("site-wilayah-absolute", *SITE_OK, "wilayah: /etc/passwd", line=9),
    site_case("site-pengelola-jenis", *SITE_OK[:7], "  jenis: pemda", line=8),
    # -- missing required fields ---------------------------------------------------------------------------
    umkm_case("missing-nama", *UMKM_OK[1:], line=2),
    umkm_case("missing-kategori", UMKM_OK[0], *UMKM_OK[2:], line=2),
    umkm_case("missing-kontak", *UMKM_OK[:2], UMKM_OK[4], line=2),
    umkm_case("missing-kontak-empty", *UMKM_OK[:2], "kontak: {}", UMKM_OK[4], line=4),
    umkm_case("missing-nama-empty-value", "nama:", *UMKM_OK[1:], line=2),
    umkm_case("missing-nama-blank-string", 'nama: "   "', *UMKM_OK[1:], line=2),
    umkm_case("missing-foto-alt", *UMKM_OK, "foto:", "  - src: foto.png", line=8, **{f"{KEL}/umkm/foto.png": png()}),
    umkm_case("missing-produk-nama", *UMKM_OK, "produk:", "  - harga: 5000", line=8),
    Case("missing-front-matter-keys", {U: md()}, at(U, 1)),
    berita_case("missing-judul", *BERITA_OK[1:], line=2),
    berita_case("missing-tanggal", BERITA_OK[0], BERITA_OK[2], line=2),
    berita_case("missing-penulis", *BERITA_OK[:2], line=2),
    berita_case("missing-berita-body", *BERITA_OK, body="", line=5),
    agenda_case("missing-mulai", AGENDA_OK[0], *AGENDA_OK[2:], line=2),
    agenda_case("missing-lokasi-nama", *AGENDA_OK[:3], "  alamat: Jl. Uji", AGENDA_OK[4], line=5),
    kel_case("missing-kode", *KEL_OK[1:], line=2),
    kel_case("missing-kim", *KEL_OK[:2], line=2),
    site_case("site-missing-url", SITE_OK[0], *SITE_OK[2:], line=1),
    site_case("site-missing-nama", *SITE_OK[1:], line=1),
    Case("site-yaml-missing", {"site.yaml": None}, "site.yaml"),
    Case("halaman-missing-judul", {H: md("menu: true")}, at(H, 2)),
    # -- unknown keys ---------------------------------------------------------------------------------------
    umkm_case("unknown-key-top", *UMKM_OK, "harga: 5000", line=7),
    umkm_case("unknown-key-typo", *UMKM_OK, "kategory: kuliner", line=7),
    umkm_case("unknown-key-nested", *UMKM_OK[:4], '  wa: "0812-3456-7890"', UMKM_OK[4], line=6),
    umkm_case("unknown-key-in-list-item", *UMKM_OK, "produk:", "  - nama: Pecel", "    harga: 5000",
              "    stok: 3", line=10),
    berita_case("unknown-key-tags", *BERITA_OK, "tags: [rapat]", line=5),
    agenda_case("unknown-key-lokasi-kota", *AGENDA_OK[:4], "  kota: Malang", AGENDA_OK[4], line=6),
    kel_case("unknown-key-kelurahan", *KEL_OK, "camat: Pak Uji", line=7),
    site_case("unknown-key-site", *SITE_OK, "nmaa: Situs", line=9),
    Case("unknown-key-halaman", {H: md("judul: Tentang", "urutan: 1", "gambar: a.png")}, at(H, 4)),
    # -- invalid slugs and paths ----------------------------------------------------------------------------
    Case("slug-uppercase-file", {f"{KEL}/umkm/Keripik.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/Keripik.md")),
    Case("slug-space-file", {f"{KEL}/umkm/warung uji.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/warung uji.md")),
    Case("slug-unicode-file", {f"{KEL}/umkm/kopi-é.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/kopi-é.md")),
    Case("slug-only-dash-file", {f"{KEL}/umkm/-.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/-.md")),
    Case("slug-underscore-file", {f"{KEL}/umkm/warung_uji.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/warung_uji.md")),
    Case("slug-percent-file", {f"{KEL}/umkm/%2e%2e.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/%2e%2e.md")),
    Case("slug-backslash-file", {f"{KEL}/umkm/x\\..\\y.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/x\\..\\y.md")),
    Case("slug-con-file", {f"{KEL}/umkm/CON.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/CON.md")),
    Case("slug-con-lowercase-file", {f"{KEL}/umkm/con.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/con.md")),
    Case("slug-nul-lowercase-file", {f"{KEL}/umkm/nul.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/nul.md")),
    Case("slug-com1-folder", {f"{KEL}/umkm/com1/index.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/com1/index.md")),
    Case("slug-too-long-file", {f"{KEL}/umkm/{'a' * 200}.md": md(*UMKM_OK)}, at(f"{KEL}/umkm/{'a' * 200}.md")),
    Case("slug-kelurahan-folder", {"content/kelurahan/Purwantoro Baru/_index.md": md(*KEL_OK)},
         at("content/kelurahan/Purwantoro Baru")),
    berita_case("slug-ref-dotdot", *BERITA_OK, "umkm_terkait: [../x]", line=5),
    berita_case("slug-ref-absolute", *BERITA_OK, "umkm_terkait: [/etc/x]", line=5),
    berita_case("slug-ref-backslash", *BERITA_OK, "umkm_terkait: ['..\\x']", line=5),
    berita_case("slug-ref-percent", *BERITA_OK, "umkm_terkait: ['%2e%2e/%2e%2e/x']", line=5),
    berita_case("slug-ref-con", *BERITA_OK, "umkm_terkait: [CON]", line=5),
    berita_case("slug-ref-empty", *BERITA_OK, "umkm_terkait: ['']", line=5),
    berita_case("slug-ref-300-chars", *BERITA_OK, f"umkm_terkait: [{'a' * 300}]", line=5),
    berita_case("slug-ref-nul", *BERITA_OK, 'umkm_terkait: ["ker\\0ipik"]', line=5),
    umkm_case("slug-src-dotdot", *with_photo(*UMKM_OK, src="../../../../../../etc/passwd"), line=8),
    umkm_case("slug-src-absolute", *with_photo(*UMKM_OK, src="/etc/passwd.png"), line=8),
    umkm_case("slug-src-backslash", *with_photo(*UMKM_OK, src="'..\\..\\x.png'"), line=8),
    umkm_case("slug-src-percent", *with_photo(*UMKM_OK, src="'%2e%2e/%2e%2e/x.png'"), line=8),
    umkm_case("slug-src-empty", *with_photo(*UMKM_OK, src="''"), line=8),
    umkm_case("slug-src-300-chars", *with_photo(*UMKM_OK, src="a" * 300 + ".png"), line=8),
    umkm_case("slug-src-nul", *with_photo(*UMKM_OK, src='"a\\0.png"'), line=8),
    umkm_case("slug-src-url", *with_photo(*UMKM_OK, src="https://contoh.com/a.png"), line=8),
    umkm_case("slug-src-data-url", *with_photo(*UMKM_OK, src="'data:image/png;base64,iVBORw0KGgo='"), line=8),
    umkm_case("slug-body-link-dotdot", *UMKM_OK, body=BODY + "\n\n[rahasia](../../../../../etc/passwd)", line=10),
    umkm_case("slug-body-link-percent", *UMKM_OK, body=BODY + "\n\n[x](%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/a.md)",
              line=10),
    umkm_case("slug-body-image-backslash", *UMKM_OK, body=BODY + "\n\n![x](..\\a.png)", line=10),
    site_case("slug-kategori-dotdot", *SITE_OK, "kategori_umkm:", "  - slug: ../x", "    nama: X", line=10),
    site_case("slug-kategori-absolute", *SITE_OK, "kategori_umkm:", "  - slug: /etc/x", "    nama: X", line=10),
    site_case("slug-kategori-backslash", *SITE_OK, "kategori_umkm:", "  - slug: '..\\x'", "    nama: X", line=10),
    site_case("slug-kategori-percent", *SITE_OK, "kategori_umkm:", "  - slug: '%2e%2e'", "    nama: X", line=10),
    site_case("slug-kategori-con", *SITE_OK, "kategori_umkm:", "  - slug: con", "    nama: X", line=10),
    site_case("slug-kategori-empty", *SITE_OK, "kategori_umkm:", "  - slug: ''", "    nama: X", line=10),
    site_case("slug-kategori-300", *SITE_OK, "kategori_umkm:", f"  - slug: {'a' * 300}", "    nama: X", line=10),
    site_case("slug-kategori-nul", *SITE_OK, "kategori_umkm:", '  - slug: "a\\0b"', "    nama: X", line=10),
    site_case("slug-kategori-duplicate", *SITE_OK, "kategori_umkm:", "  - slug: kopi", "    nama: Kopi",
              "  - slug: kopi", "    nama: Kopi lagi", line=12),
    # -- two inputs, one URL -------------------------------------------------------------------------------
    Case("dup-umkm-file-and-folder", {U: md(*UMKM_OK), f"{KEL}/umkm/x/index.md": md(*UMKM_OK)},
         at(U)),
    Case("dup-berita-two-dates", {B: md(*BERITA_OK), f"{KEL}/berita/2026-10-01-rapat.md":
                                  md("judul: Rapat", "tanggal: 2026-10-01", "penulis: Admin")},
         at(f"{KEL}/berita/2026-10-01-rapat.md")),
    Case("dup-halaman-vs-generated", {"content/halaman/umkm.md": md("judul: UMKM")}, at("content/halaman/umkm.md")),
    Case("dup-halaman-vs-kelurahan-list", {"content/halaman/kelurahan.md": md("judul: Kel")},
         at("content/halaman/kelurahan.md")),
    Case("dup-static-vs-page", {"static/kelurahan/purwantoro/index.html": "<p>x</p>"},
         at("static/kelurahan/purwantoro/index.html")),
    Case("dup-static-vs-feed", {"static/feed.xml": "<feed/>"}, at("static/feed.xml")),
    Case("dup-static-vs-sitemap", {"static/sitemap.xml": "<urlset/>"}, at("static/sitemap.xml")),
    Case("dup-static-case", {"static/Kopi.png": png(), "static/kopi.png": png()}, at("static/kopi.png")),
    Case("dup-static-nfc-nfd", {"static/caf\u00e9.png": png(), "static/cafe\u0301.png": png()},
         at("static/caf\u00e9.png")),
    Case("dup-umkm-page-assets-case",
         {U: md(*UMKM_OK, "foto:", "  - src: Kopi.png", "    alt: a", "  - src: kopi.png", "    alt: b"),
          f"{KEL}/umkm/Kopi.png": png(), f"{KEL}/umkm/kopi.png": png()}, at(U, 10)),
    Case("dup-umkm-page-assets-nfc-nfd",
         {U: md(*UMKM_OK, "foto:", "  - src: caf\u00e9.png", "    alt: a", "  - src: cafe\u0301.png", "    alt: b"),
          f"{KEL}/umkm/caf\u00e9.png": png(), f"{KEL}/umkm/cafe\u0301.png": png()}, at(U, 10)),
    Case("dup-kelurahan-code", {"content/kelurahan/purwantoro-2/_index.md": md(*KEL_OK, body="Profil.")},
         at("content/kelurahan/purwantoro-2/_index.md", 2)),
    # -- symlinks ---------------------------------------------------------------------------------------------
    Case("symlink-file-outside", {}, at(f"{KEL}/umkm/luar.md"), setup=symlink(f"{KEL}/umkm/luar.md", outside_file)),
    Case("symlink-etc-passwd", {}, at(f"{KEL}/umkm/passwd.png"),
         setup=symlink(f"{KEL}/umkm/passwd.png", lambda s, t: Path("/etc/passwd"))),
    Case("symlink-dir-outside", {}, at(f"{KEL}/umkm/luar"), setup=symlink(f"{KEL}/umkm/luar", lambda s, t: t)),
    Case("symlink-static-outside", {}, at("static/rahasia.txt"),
         setup=symlink("static/rahasia.txt", lambda s, t: Path("/etc/passwd"))),
    Case("symlink-circular", {}, at(f"{KEL}/umkm/a.md"), setup=circular),
    Case("symlink-self", {}, at(f"{KEL}/umkm/diri.md"), setup=self_loop),
    Case("symlink-dir-loop", {}, at(f"{KEL}/halaman"), setup=dir_loop),
    Case("symlink-broken", {}, at(f"{KEL}/umkm/hilang.md"),
         setup=symlink(f"{KEL}/umkm/hilang.md", lambda s, t: t / "tidak-ada.md")),
    # -- cross-references ---------------------------------------------------------------------------------------
    berita_case("ref-umkm-unknown", *BERITA_OK, "umkm_terkait: [tidak-ada]", line=5),
    berita_case("ref-umkm-typo", *BERITA_OK, "umkm_terkait:", "  - keripik-tempee", line=6),
    berita_case("ref-umkm-other-kelurahan", *BERITA_OK, "umkm_terkait: [balearjosari/keripik-tempe]", line=5),
    berita_case("ref-umkm-number", *BERITA_OK, "umkm_terkait: [12]", line=5),
    umkm_case("ref-body-missing-md", *UMKM_OK, body=BODY + "\n\nLihat [warung lain](lain.md).", line=10),
    umkm_case("ref-body-missing-image", *UMKM_OK, body=BODY + "\n\n\n![foto](tidak-ada.jpg)", line=11),
    umkm_case("ref-body-missing-static", *UMKM_OK, body=BODY + "\n\n![logo](/gambar/logo.png)", line=10),
    Case("ref-kecamatan-unknown", {"content/kecamatan/sukun.md": md("judul: Sukun")}, at("content/kecamatan/sukun.md")),
    Case("ref-kelurahan-no-index", {"content/kelurahan/kauman/umkm/y.md": md(*UMKM_OK)}, "content/kelurahan/kauman"),
    Case("misplaced-md", {"content/catatan.md": md("judul: X")}, at("content/catatan.md")),
    Case("misplaced-md-deep", {f"{KEL}/berita/2026/rapat.md": md(*BERITA_OK)}, at(f"{KEL}/berita/2026/rapat.md")),
    # -- images -------------------------------------------------------------------------------------------------
    umkm_case("image-missing", *with_photo(*UMKM_OK), line=8),
    umkm_case("image-case-mismatch", *with_photo(*UMKM_OK, src="Foto.png"), line=8,
              **{f"{KEL}/umkm/foto.png": png()}),
    umkm_case("image-truncated-png", *with_photo(*UMKM_OK), line=8, **{f"{KEL}/umkm/foto.png": png()[:-40]}),
    umkm_case("image-truncated-jpeg", *with_photo(*UMKM_OK, src="foto.jpg"), line=8,
              **{f"{KEL}/umkm/foto.jpg": jpeg()[: len(jpeg()) // 2]}),
    umkm_case("image-text-as-png", *with_photo(*UMKM_OK), line=8, **{f"{KEL}/umkm/foto.png": "bukan gambar\n"}),
    umkm_case("image-empty-jpg", *with_photo(*UMKM_OK, src="foto.jpg"), line=8, **{f"{KEL}/umkm/foto.jpg": b""}),
    umkm_case("image-html-as-jpg", *with_photo(*UMKM_OK, src="foto.jpg"), line=8,
              **{f"{KEL}/umkm/foto.jpg": "<script>alert(1)</script>"}),
    umkm_case("image-svg", *with_photo(*UMKM_OK, src="foto.svg"), line=8,
              **{f"{KEL}/umkm/foto.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'}),
    umkm_case("image-pdf", *with_photo(*UMKM_OK, src="foto.pdf"), line=8, **{f"{KEL}/umkm/foto.pdf": b"%PDF-1.4\n"}),
    umkm_case("image-folder", *with_photo(*UMKM_OK, src="foto.png"), line=8,
              **{f"{KEL}/umkm/foto.png/x.txt": "folder"}),
    umkm_case("image-produk-missing", *UMKM_OK, "produk:", "  - nama: Pecel", "    foto:", "      src: pecel.jpg",
              "      alt: Pecel", line=10),
    kel_case("image-sampul-missing", *KEL_OK, "foto_sampul:", "  src: sampul.jpg", "  alt: Kantor", line=8),
    berita_case("image-galeri-truncated", *BERITA_OK, "galeri:", "  - src: a.png", "    alt: A", line=6,
                **{f"{KEL}/berita/a.png": png()[:30]}),
    # -- other content rules -----------------------------------------------------------------------------------
    umkm_case("privacy-nik-in-body", *UMKM_OK, body=BODY + "\n\nNIK pemilik 3573011234567890.", line=10),
    Case("wilayah-bad-row", {"data/wilayah.csv": "kode,kecamatan,kelurahan\n35.73.01.1007,Blimbing,Purwantoro\n"
                                                 "35.73.01,Blimbing\n"}, at("data/wilayah.csv", 3)),
    Case("wilayah-bad-header", {"data/wilayah.csv": "code;district;village\n"}, at("data/wilayah.csv", 1)),
    Case("wilayah-duplicate-code", {"data/wilayah.csv": "kode,kecamatan,kelurahan\n35.73.01.1007,Blimbing,Purwantoro\n"
                                                        "35.73.01.1007,Blimbing,Purwantoro Lagi\n"},
         at("data/wilayah.csv", 3)),
]

VALID_ODDITIES = {
    "bom": {U: "\ufeff" + md(*UMKM_OK)},
    "crlf": {U: md(*UMKM_OK).replace("\n", "\r\n")},
    "bom-and-crlf": {U: ("\ufeff" + md(*UMKM_OK)).replace("\n", "\r\n")},
    "cr-only": {U: md(*UMKM_OK).replace("\n", "\r")},
    "site-yaml-bom-crlf": {"site.yaml": ("\ufeff" + yaml(*SITE_OK)).replace("\n", "\r\n")},
    "wilayah-bom-crlf": {"data/wilayah.csv": "\ufeffkode,kecamatan,kelurahan\r\n35.73.01.1007,Blimbing,Purwantoro\r\n"},
    "unquoted-0830-is-text": {U: md(*UMKM_OK[:3], '  whatsapp: "6281234567890"', UMKM_OK[4], "jam_buka:",
                                    "  - hari: [senin]", "    buka: 08:30", '    tutup: "16:00"')},
    "quoted-traps": {U: md("nama: \"NO\"", *UMKM_OK[1:3], '  whatsapp: "6281234567890"', UMKM_OK[4],
                           "jam_buka:", "  - hari: [senin]", '    buka: "08:30"', '    tutup: "16:00"')},
    # a bare URL running into brackets becomes a link Python's urlsplit refuses (bracketed host)
    "bare-url-into-brackets": {U: md(*UMKM_OK[:3], '  whatsapp: "6281234567890"', UMKM_OK[4],
                                     body="Katalog di www.contoh.id[lihat][k] atau http://[::1 sekarang.")},
}


def _write(site: Path, files: dict[str, str | bytes | None]) -> None:
    for rel, content in files.items():
        path = site / rel
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)


def _snapshot(root: Path, skip: Path) -> dict[str, bytes | str]:
    """Every entry under root except the output folder: file bytes, link targets, folders."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if here / d != skip)
        for name in dirnames + filenames:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base site, built once; each case starts from a copy of it and its output."""
    root = tmp_path_factory.mktemp("good")
    site = make_site(root)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    return site


def _fresh_copy(good_site: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(good_site, site, symlinks=True)
    return site


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_rejected_cleanly(case: Case, good_site: Path, tmp_path: Path) -> None:
    site = _fresh_copy(good_site, tmp_path)
    out = site / "build"
    before_output = tree_bytes(out)
    assert before_output, "the good build must have produced files"
    _write(site, case.files)
    if case.setup:
        case.setup(site, tmp_path)
    before_tree = _snapshot(tmp_path, out)

    result = build_site(site)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    located = [line for line in result.lines() if line.startswith(case.prefix)]
    assert located, f"no message at {case.prefix!r}:\n{result.output}"
    errors = [line for line in located if "peringatan:" not in line]
    assert errors, f"only warnings at {case.prefix!r}:\n{result.output}"
    assert any(";" in line.split(": ", 1)[1] for line in errors), f"no fix hint:\n{result.output}"
    assert _snapshot(tmp_path, out) == before_tree, "something was written outside the output folder"
    assert tree_bytes(out) == before_output, "the previous output changed"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name", sorted(VALID_ODDITIES))
def test_valid_oddities_build(name: str, good_site: Path, tmp_path: Path) -> None:
    """A BOM, Windows line ends and quoted trap values are fine: the page builds with its data."""
    site = _fresh_copy(good_site, tmp_path)
    _write(site, VALID_ODDITIES[name])
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    if U in VALID_ODDITIES[name]:
        html = (site / "build/kelurahan/purwantoro/umkm/x/index.html").read_text(encoding="utf-8")
        assert "6281234567890" in html
        if "08:30" in str(VALID_ODDITIES[name][U]):
            assert "08.30" in html  # an unquoted 08:30 is text in YAML 1.1 (not 510): shown as the time
