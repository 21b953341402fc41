"""Every field rule of ../shared/CONTENT-MODEL.md: at least one good and one bad case each, with the
exact `path:line` of the message, the exit code, and the words that tell the volunteer how to fix it."""

from __future__ import annotations

import textwrap
import urllib.parse

import pytest
from sitetools import Result, build_site, make_site, page

from kimsite.formats import normalize_whatsapp, slugify

KEL = "content/kelurahan/purwantoro"
UMKM = f"{KEL}/umkm/x.md"
BERITA = f"{KEL}/berita/2026-11-01-bazar.md"
AGENDA = f"{KEL}/agenda/2026-12-10-senam.md"
HALAMAN = "content/halaman/tentang.md"
INDEX = f"{KEL}/_index.md"
BODY = "Kopi tubruk dan kopi susu yang diseduh dengan biji dari lereng Arjuno, setiap hari.\n"

# Front matter that is valid as is; a case appends lines (which then start at the line given).
UMKM_OK = """\
nama: Kopi Pak Darto
kategori: kuliner
kontak:
  whatsapp: "081234567891"
diperbarui: 2026-10-01
foto:
  - src: keripik.png
    alt: Kopi dalam gelas
"""  # lines 2–9; appended lines start at 10
BERITA_OK = """\
judul: Bazar UMKM
tanggal: 2026-11-01
penulis: Admin KIM
"""  # lines 2–4; appended lines start at 5
AGENDA_OK = """\
judul: Senam Sehat
mulai: 2026-12-10 06:00
lokasi:
  nama: Balai RW 05
penyelenggara: KIM Purwantoro
"""  # lines 2–6; appended lines start at 7
HALAMAN_OK = "judul: Tentang kami\n"  # line 2
INDEX_OK = """\
kode: "35.73.01.1007"
deskripsi: Kelurahan uji di Kecamatan Blimbing.
kim:
  ada: true
  nama: KIM Purwantoro Uji
"""  # lines 2–6
SITE_OK = """\
nama: Situs Uji
url: https://contoh.github.io/uji/
deskripsi: Situs kecil untuk pengujian kimsite.
kota: Kota Malang
provinsi: Jawa Timur
pengelola:
  nama: KIM Uji
  jenis: kim
"""  # lines 1–8; appended lines start at 9


def md(front: str, body: str = BODY) -> str:
    return "---\n" + textwrap.dedent(front).strip("\n") + "\n---\n" + body


def build(tmp_path, files: dict[str, str], *args: str) -> Result:
    spec = "".join(f"-- {path} --\n{text}" for path, text in files.items())
    return build_site(make_site(tmp_path, spec), *args)


def only(result: Result, prefix: str) -> str:
    """The one output line that starts with `prefix` (a `path:line:`), failing with the whole output."""
    lines = [line for line in result.lines() if line.startswith(prefix)]
    assert len(lines) == 1, f"expected one line starting with {prefix!r} in:\n{result.output}"
    return lines[0]


def expect_error(result: Result, prefix: str, *words: str) -> str:
    assert result.exit_code == 1, result.output
    line = only(result, prefix)
    assert "peringatan:" not in line and "warning:" not in line, line
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


def expect_warning(result: Result, prefix: str, *words: str) -> str:
    assert result.exit_code == 0, result.output
    line = only(result, prefix)
    assert line.startswith(f"{prefix} peringatan:"), line
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


# -- error cases, one table per file kind: (extra front matter, expected `path:line:`, words) -----------

UMKM_ERRORS = [
    ("nama-quoted-trap", UMKM_OK.replace("nama: Kopi Pak Darto", "nama: 1945"), ":2:",
     ["terbaca YAML sebagai bilangan bulat", 'nama: "1945"']),
    ("kategori-unknown", UMKM_OK.replace("kuliner", "kulner"), ":3:",
     ["`kategori` bernilai `kulner`", "maksud Anda `kuliner`"]),
    ("kategori-missing", UMKM_OK.replace("kategori: kuliner\n", ""), ":2:", ["kunci wajib `kategori`"]),
    ("kontak-missing", UMKM_OK.replace('kontak:\n  whatsapp: "081234567891"\n', ""), ":2:", ["kunci wajib `kontak`"]),
    ("kontak-empty", UMKM_OK.replace('kontak:\n  whatsapp: "081234567891"', "kontak: {}"), ":4:",
     ["`kontak`", "`whatsapp` atau `telepon`"]),
    ("whatsapp-landline", UMKM_OK.replace('"081234567891"', '"(0341) 551234"'), ":5:",
     ["bukan nomor HP Indonesia", "`telepon`"]),
    ("whatsapp-too-short", UMKM_OK.replace('"081234567891"', '"0812-345"'), ":5:", ["bukan nomor HP Indonesia"]),
    ("whatsapp-unquoted-int", UMKM_OK.replace('"081234567891"', "81234567891"), ":5:",
     ["tanpa tanda kutip", 'whatsapp: "81234567891"']),
    ("whatsapp-unquoted-leading-zero", UMKM_OK.replace('"081234567891"', "081234567891"), ":5:",
     ["tanpa tanda kutip", 'whatsapp: "081234567891"']),
    ("telepon-unquoted", UMKM_OK.replace('whatsapp: "081234567891"', "telepon: 0341551234"), ":5:",
     ["tanpa tanda kutip"]),
    ("telepon-unquoted-leading-zero", UMKM_OK.replace('whatsapp: "081234567891"', "telepon: 08123456789"), ":5:",
     ["tanpa tanda kutip", '"08123456789"']),
    ("telepon-invalid", UMKM_OK.replace('whatsapp: "081234567891"', 'telepon: "hubungi saja"'), ":5:",
     ["bukan nomor telepon"]),
    ("foto-without-alt", UMKM_OK.replace("    alt: Kopi dalam gelas\n", ""), ":8:", ["`foto[1].alt`"]),
    ("foto-too-many", UMKM_OK + "".join(f"  - {{src: keripik.png, alt: foto {n}}}\n" for n in range(5)), ":7:",
     ["`foto` harus berisi 1 sampai 5 butir (ada 6)"]),
    ("foto-not-a-list", UMKM_OK.split("foto:")[0] + "foto: keripik.png\n", ":7:", ["`foto` harus daftar"]),
    ("foto-outside-site", UMKM_OK.replace("src: keripik.png", "src: ../../../../../etc/passwd"), ":8:",
     ["harus berkas di dalam situs"]),
    ("diperbarui-not-a-date", UMKM_OK.replace("2026-10-01", "kemarin"), ":6:", ["`diperbarui` harus tanggal"]),
    ("pemilik-nik", UMKM_OK + "pemilik: Bu Sri 3573014107800001\n", ":10:", ["NIK"]),
    ("lokasi-range", UMKM_OK + "lokasi:\n  lat: -97.5\n  lon: 112.6\n", ":11:",
     ["`lokasi.lat` harus antara -90 dan 90"]),
    ("lokasi-unknown-key", UMKM_OK + "lokasi:\n  lat: -7.9\n  lng: 112.6\n", ":12:", ["`lokasi.lng`"]),
    ("jam-hari", UMKM_OK + 'jam_buka:\n  - hari: [senen]\n    buka: "08:00"\n    tutup: "16:00"\n', ":11:",
     ["`jam_buka[1].hari[1]` bernilai `senen`", "maksud Anda `senin`"]),
    ("jam-unquoted-sexagesimal", UMKM_OK + "jam_buka:\n  - hari: [senin]\n    buka: 8:30\n    tutup: \"16:00\"\n",
     ":12:", ["tanda kutip", '"08:30"']),
    ("jam-format", UMKM_OK + 'jam_buka:\n  - hari: [senin]\n    buka: "8.30"\n    tutup: "16:00"\n', ":12:",
     ['"HH:MM"', "`8.30`"]),
    ("jam-tutup-missing", UMKM_OK + 'jam_buka:\n  - hari: [senin]\n    buka: "08:00"\n', ":11:",
     ["kunci wajib `jam_buka[1].tutup`"]),
    ("produk-nama-missing", UMKM_OK + "produk:\n  - harga: 15000\n", ":11:", ["kunci wajib `produk[1].nama`"]),
    ("produk-harga-dots-text", UMKM_OK + 'produk:\n  - nama: Kopi\n    harga: "15.000"\n', ":12:",
     ["tanpa titik", "15000"]),
    ("produk-harga-dots-float", UMKM_OK + "produk:\n  - nama: Kopi\n    harga: 15.000\n", ":12:",
     ["tanpa titik", "15000"]),
    ("produk-harga-negative", UMKM_OK + "produk:\n  - nama: Kopi\n    harga: -5\n", ":12:",
     ["tidak boleh kurang dari 0"]),
    ("produk-harga-coret", UMKM_OK + "produk:\n  - nama: Kopi\n    harga: 15000\n    harga_coret: 12000\n", ":13:",
     ["`harga_coret` (12000) harus lebih besar dari `harga` (15000)"]),
    ("produk-tersedia", UMKM_OK + "produk:\n  - nama: Kopi\n    tersedia: ada\n", ":12:",
     ["`produk[1].tersedia` harus `true` atau `false`"]),
    ("marketplace-host", UMKM_OK + "marketplace:\n  shopee: https://www.tokopedia.com/kopi\n", ":11:",
     ["`marketplace.shopee` harus alamat di shopee.co.id"]),
    ("marketplace-javascript", UMKM_OK + 'marketplace:\n  gofood: "javascript:alert(1)"\n', ":11:",
     ["diawali `https://`"]),
    ("marketplace-data", UMKM_OK + 'marketplace:\n  gofood: "data:text/html,<b>x</b>"\n', ":11:",
     ["diawali `https://`"]),
    ("marketplace-unknown", UMKM_OK + "marketplace:\n  lazada: https://www.lazada.co.id/kopi\n", ":11:",
     ["`marketplace.lazada` tidak dikenal", "shopee, tokopedia, gofood, grabfood, shopeefood"]),
    ("sosmed-handle", UMKM_OK + "sosmed:\n  tiktok: kopi darto!\n", ":11:", ["bukan nama akun"]),
    ("sosmed-javascript", UMKM_OK + 'sosmed:\n  facebook: "javascript:alert(1)"\n', ":11:", ["diawali `https://`"]),
    ("nib-pattern", UMKM_OK + 'legalitas:\n  nib: "12345"\n', ":11:", ["NIB harus 13 angka"]),
    ("nib-unquoted", UMKM_OK + "legalitas:\n  nib: 1234567890123\n", ":11:", ["tanpa tanda kutip"]),
    ("pirt-pattern", UMKM_OK + 'legalitas:\n  pirt: "2063573-27"\n', ":11:", ["P-IRT", "13 angka", "`2063573-27`"]),
    ("halal-pattern", UMKM_OK + 'legalitas:\n  halal: "LPPOM-00150012"\n', ":11:", ["`ID` lalu 10–20 angka"]),
    ("produk-foto-alt", UMKM_OK + "produk:\n  - nama: Kopi\n    foto:\n      src: keripik.png\n", ":13:",
     ["kunci wajib `produk[1].foto.alt`"]),
    ("marketplace-vbscript", UMKM_OK + 'marketplace:\n  shopee: "vbscript:msgbox(1)"\n', ":11:", ["diawali `https://`"]),
    ("lokasi-not-number", UMKM_OK + "lokasi:\n  lat: selatan\n  lon: 112.6\n", ":11:", ["`lokasi.lat` harus angka"]),
    ("pembayaran-choice", UMKM_OK + "pembayaran: [tunai, gopay]\n", ":10:",
     ["`gopay`", "tunai, qris, transfer, ewallet"]),
    ("pembayaran-duplicate", UMKM_OK + "pembayaran:\n  - qris\n  - qris\n", ":12:", ["ditulis dua kali"]),
    ("layanan-choice", UMKM_OK + "layanan: [antar, kirim-paket]\n", ":10:", ["`kirim-paket`"]),
    ("unggulan-bool", UMKM_OK + "unggulan: iya\n", ":10:", ["`unggulan` harus `true` atau `false`"]),
    ("status-choice", UMKM_OK + "status: libur\n", ":10:", ["aktif, tutup-sementara, tutup"]),
    ("unknown-key", UMKM_OK + "alamt: Jl. Mawar 3\n", ":10:", ["`alamt` tidak dikenal", "maksud Anda `alamat`"]),
    ("yaml-duplicate-key", UMKM_OK + "nama: Lagi\n", ":10:", ["`nama` ditulis dua kali"]),
]


@pytest.mark.parametrize("front, line, words", [c[1:] for c in UMKM_ERRORS], ids=[c[0] for c in UMKM_ERRORS])
def test_umkm_errors(tmp_path, front, line, words):
    result = build(tmp_path, {UMKM: md(front)})
    expect_error(result, UMKM + line, *words)


BERITA_ERRORS = [
    ("judul-long", BERITA_OK.replace("Bazar UMKM", "B" * 101), ":2:",
     ["terlalu panjang (101 karakter, paling banyak 100)"]),
    ("tanggal-missing", BERITA_OK.replace("tanggal: 2026-11-01\n", ""), ":2:", ["kunci wajib `tanggal`"]),
    ("tanggal-prefix", BERITA_OK.replace("2026-11-01", "2026-11-02"), ":3:",
     ["2026-11-02 tidak sama dengan tanggal di nama berkas (2026-11-01)"]),
    ("tanggal-prefix-datetime", BERITA_OK.replace("2026-11-01", '"2026-10-31 23:00"'), ":3:", ["(2026-11-01)"]),
    ("penulis-missing", BERITA_OK.replace("penulis: Admin KIM\n", ""), ":2:", ["kunci wajib `penulis`"]),
    ("ringkasan-161", BERITA_OK + "ringkasan: " + "r" * 161 + "\n", ":5:", ["(161 karakter, paling banyak 160)"]),
    ("kategori", BERITA_OK + "kategori: acara\n", ":5:", ["kegiatan, umkm, pengumuman, potensi"]),
    ("umkm-terkait-unknown", BERITA_OK + "umkm_terkait:\n  - keripik-tempe\n  - kripik-tempe\n", ":7:",
     ["UMKM `purwantoro/kripik-tempe` tidak ditemukan", "maksud Anda `purwantoro/keripik-tempe`"]),
    ("umkm-terkait-other-kelurahan", BERITA_OK + "umkm_terkait: [kauman/keripik-tempe]\n", ":5:",
     ["`kauman/keripik-tempe` tidak ditemukan"]),
    ("sumber-host", BERITA_OK + "sumber_asli: https://contoh.example/p/1\n", ":5:", ["instagram.com"]),
    ("sumber-javascript", BERITA_OK + 'sumber_asli: "javascript:alert(1)"\n', ":5:", ["diawali `https://`"]),
    ("tag-not-list", BERITA_OK + "tag: bazar\n", ":5:", ["`tag` harus daftar"]),
    ("draft-bool", BERITA_OK + "draft: mungkin\n", ":5:", ["`draft` harus `true` atau `false`"]),
    ("galeri-alt", BERITA_OK + "galeri:\n  - src: ../umkm/keripik.png\n", ":6:", ["kunci wajib `galeri[1].alt`"]),
]


@pytest.mark.parametrize("front, line, words", [c[1:] for c in BERITA_ERRORS], ids=[c[0] for c in BERITA_ERRORS])
def test_berita_errors(tmp_path, front, line, words):
    result = build(tmp_path, {BERITA: md(front)})
    expect_error(result, BERITA + line, *words)


def test_berita_body_is_required(tmp_path):
    result = build(tmp_path, {BERITA: md(BERITA_OK, body="\n")})
    expect_error(result, BERITA + ":5:", "isi halaman", "kosong")


def test_berita_date_prefix_must_be_a_real_date(tmp_path):
    path = f"{KEL}/berita/2026-02-30-bazar.md"
    result = build(tmp_path, {path: md(BERITA_OK.replace("2026-11-01", "2026-02-28"))})
    assert result.exit_code == 1
    assert f"{path}: tanggal di nama berkas `2026-02-30` tidak ada di kalender" in result.output


AGENDA_ERRORS = [
    ("mulai-missing", AGENDA_OK.replace("mulai: 2026-12-10 06:00\n", ""), ":2:", ["kunci wajib `mulai`"]),
    ("mulai-bad", AGENDA_OK.replace("2026-12-10 06:00", "besok pagi"), ":3:", ["`mulai` harus tanggal dan jam"]),
    ("mulai-prefix", AGENDA_OK.replace("2026-12-10 06:00", "2026-12-11 06:00"), ":3:", ["(2026-12-10)"]),
    ("selesai-before", AGENDA_OK + "selesai: 2026-12-10 05:59\n", ":7:", ["`selesai` lebih awal dari `mulai`"]),
    ("selesai-before-other-zone", AGENDA_OK + "selesai: 2026-12-09T22:30:00Z\n", ":7:", ["lebih awal"]),
    ("lokasi-missing", AGENDA_OK.replace("lokasi:\n  nama: Balai RW 05\n", ""), ":2:", ["kunci wajib `lokasi`"]),
    ("lokasi-nama-missing", AGENDA_OK.replace("  nama: Balai RW 05", "  alamat: Jl. Mawar"), ":5:",
     ["kunci wajib `lokasi.nama`"]),
    ("penyelenggara-missing", AGENDA_OK.replace("penyelenggara: KIM Purwantoro\n", ""), ":2:",
     ["kunci wajib `penyelenggara`"]),
    ("biaya-text", AGENDA_OK + "biaya: gratis\n", ":7:", ["`biaya` harus bilangan bulat"]),
    ("biaya-negative", AGENDA_OK + "biaya: -1\n", ":7:", ["tidak boleh kurang dari 0"]),
    ("kontak-whatsapp", AGENDA_OK + 'kontak:\n  whatsapp: "0341-551234"\n', ":8:", ["bukan nomor HP"]),
    ("status", AGENDA_OK + "status: diundur\n", ":7:", ["terjadwal, ditunda, batal, selesai"]),
    ("lokasi-lat", AGENDA_OK.replace("  nama: Balai RW 05\n", "  nama: Balai RW 05\n  lat: 95\n  lon: 112.6\n"), ":6:",
     ["`lokasi.lat` harus antara -90 dan 90"]),
    ("kontak-unknown", AGENDA_OK + 'kontak:\n  telepon: "0341 551234"\n', ":8:", ["`kontak.telepon` tidak dikenal"]),
]


@pytest.mark.parametrize("front, line, words", [c[1:] for c in AGENDA_ERRORS], ids=[c[0] for c in AGENDA_ERRORS])
def test_agenda_errors(tmp_path, front, line, words):
    result = build(tmp_path, {AGENDA: md(front)})
    expect_error(result, AGENDA + line, *words)


HALAMAN_ERRORS = [
    ("judul-missing", "menu: true\n", ":2:", ["kunci wajib `judul`"]),
    ("urutan-text", HALAMAN_OK + "urutan: satu\n", ":3:", ["`urutan` harus bilangan bulat"]),
    ("menu-bool", HALAMAN_OK + "menu: tampil\n", ":3:", ["`menu` harus `true` atau `false`"]),
    ("unknown", HALAMAN_OK + "judull: x\n", ":3:", ["`judull` tidak dikenal", "maksud Anda `judul`"]),
]


@pytest.mark.parametrize("front, line, words", [c[1:] for c in HALAMAN_ERRORS], ids=[c[0] for c in HALAMAN_ERRORS])
def test_halaman_errors(tmp_path, front, line, words):
    expect_error(build(tmp_path, {HALAMAN: md(front)}), HALAMAN + line, *words)


def test_halaman_body_is_required(tmp_path):
    expect_error(build(tmp_path, {HALAMAN: md(HALAMAN_OK, body="")}), HALAMAN + ":3:", "kosong")


INDEX_ERRORS = [
    ("kode-unquoted", INDEX_OK.replace('"35.73.01.1007"', "35.73"), ":2:",
     ["tanpa tanda kutip terbaca sebagai angka", 'kode: "35.73.01.1007"']),
    ("kode-format", INDEX_OK.replace('"35.73.01.1007"', '"3573011007"'), ":2:", ["`3573011007`", '"35.73.01.1007"']),
    ("kode-unknown", INDEX_OK.replace("1007", "1099"), ":2:", ["`35.73.01.1099` tidak ada di data/wilayah.csv"]),
    ("kode-missing", INDEX_OK.replace('kode: "35.73.01.1007"\n', ""), ":2:", ["kunci wajib `kode`"]),
    ("deskripsi-missing", INDEX_OK.replace("deskripsi: Kelurahan uji di Kecamatan Blimbing.\n", ""), ":2:",
     ["kunci wajib `deskripsi`"]),
    ("kim-missing", INDEX_OK.split("kim:")[0], ":2:", ["kunci wajib `kim`"]),
    ("kim-ada-missing", INDEX_OK.replace("  ada: true\n", ""), ":5:", ["kunci wajib `kim.ada`"]),
    ("kim-nama-missing", INDEX_OK.replace("  nama: KIM Purwantoro Uji\n", ""), ":5:", ["kunci wajib `kim.nama`"]),
    ("kim-not-ada", INDEX_OK.replace("ada: true", "ada: false"), ":6:", ["hanya diisi bila `kim.ada: true`"]),
    ("kode-pos", INDEX_OK + 'kantor:\n  kode_pos: "6512"\n', ":8:", ["5 angka"]),
    ("kantor-telepon-octal", INDEX_OK + "kantor:\n  telepon: 0341551234\n", ":8:", ["tanpa tanda kutip"]),
    ("kantor-email", INDEX_OK + "kantor:\n  email: kantor-at-malang\n", ":8:", ["bukan alamat email"]),
    ("foto-sampul-alt", INDEX_OK + "foto_sampul:\n  src: umkm/keripik.png\n", ":8:", ["`foto_sampul.alt`"]),
    ("kecamatan-typed", INDEX_OK + "kecamatan: Blimbing\n", ":7:", ["`kecamatan` tidak dikenal"]),
    ("alias-not-list", INDEX_OK + "alias: Purwo\n", ":7:", ["`alias` harus daftar"]),
    ("potensi-item", INDEX_OK + "potensi:\n  - Batik\n  - {nama: Keripik}\n", ":9:", ["`potensi[2]` harus teks"]),
    ("kim-sk-tanggal", INDEX_OK + "  sk:\n    nomor: \"12/2024\"\n    tanggal: kemarin\n", ":9:",
     ["`kim.sk.tanggal` harus tanggal"]),
    ("kim-pengurus-jabatan", INDEX_OK + "  pengurus:\n    - nama: Pak Budi\n", ":8:",
     ["kunci wajib `kim.pengurus[1].jabatan`"]),
    ("kim-kontak-whatsapp", INDEX_OK + "  kontak:\n    whatsapp: \"0341 551234\"\n", ":8:", ["bukan nomor HP"]),
    ("kim-sosmed-handle", INDEX_OK + "  sosmed:\n    instagram: \"kim purwantoro\"\n", ":8:", ["bukan nama akun"]),
    ("kantor-lokasi", INDEX_OK + "kantor:\n  lokasi: {lat: -7.9, lon: 200}\n", ":8:", ["`kantor.lokasi.lon`"]),
]


@pytest.mark.parametrize("front, line, words", [c[1:] for c in INDEX_ERRORS], ids=[c[0] for c in INDEX_ERRORS])
def test_kelurahan_errors(tmp_path, front, line, words):
    expect_error(build(tmp_path, {INDEX: md(front, "Profil.\n")}), INDEX + line, *words)


def test_kelurahan_kode_must_be_unique(tmp_path):
    result = build(tmp_path, {"content/kelurahan/purwantoro-lama/_index.md": md(INDEX_OK, "Profil.\n")})
    expect_error(result, "content/kelurahan/purwantoro-lama/_index.md:2:",
                 "`35.73.01.1007` sudah dipakai oleh content/kelurahan/purwantoro/_index.md")


def test_a_kelurahan_folder_needs_an_index(tmp_path):
    result = build(tmp_path, {"content/kelurahan/kauman/umkm/x.md": md(UMKM_OK.replace("keripik.png", "/logo.png")),
                              "static/logo.png": "<png>\n"})
    assert result.exit_code == 1
    assert "content/kelurahan/kauman: folder kelurahan `kauman` tidak punya `_index.md`" in result.output


SITE_ERRORS = [
    ("nama-missing", SITE_OK.replace("nama: Situs Uji\n", ""), "site.yaml:1:", ["kunci wajib `nama`"]),
    ("url-missing", SITE_OK.replace("url: https://contoh.github.io/uji/\n", ""), "site.yaml:1:", ["kunci wajib `url`"]),
    ("url-javascript", SITE_OK.replace("https://contoh.github.io/uji/", '"javascript:alert(1)"'), "site.yaml:2:",
     ["diawali `https://`"]),
    ("url-ftp", SITE_OK.replace("https://", "ftp://"), "site.yaml:2:", ["diawali `https://`"]),
    ("url-query", SITE_OK.replace("/uji/", "/uji/?a=1"), "site.yaml:2:", ["`?` atau `#`"]),
    ("deskripsi-missing", SITE_OK.replace("deskripsi: Situs kecil untuk pengujian kimsite.\n", ""), "site.yaml:1:",
     ["kunci wajib `deskripsi`"]),
    ("bahasa", SITE_OK + "bahasa: jv\n", "site.yaml:9:", ["`bahasa` bernilai `jv`", "id, en"]),
    ("tema-missing", SITE_OK + "tema: tidak-ada\n", "site.yaml:9:", ["tema `tidak-ada` tidak ditemukan"]),
    ("pengelola-missing", SITE_OK.split("pengelola:")[0], "site.yaml:1:", ["kunci wajib `pengelola`"]),
    ("pengelola-jenis", SITE_OK.replace("jenis: kim", "jenis: pemda"), "site.yaml:8:", ["diskominfo, kim"]),
    ("kontak-whatsapp", SITE_OK + "kontak:\n  whatsapp: 81234567891\n", "site.yaml:10:", ["tanpa tanda kutip"]),
    ("kontak-unknown", SITE_OK + "kontak:\n  emial: a@b.id\n", "site.yaml:10:", ["maksud Anda `email`"]),
    ("kontak-email", SITE_OK + "kontak:\n  email: kim-at-malang\n", "site.yaml:10:", ["bukan alamat email"]),
    ("sosmed-unknown", SITE_OK + "sosmed:\n  twitter: kim\n", "site.yaml:10:", ["`sosmed.twitter` tidak dikenal"]),
    ("unknown-key", SITE_OK + "deskripsi_panjang: x\n", "site.yaml:9:", ["`deskripsi_panjang` tidak dikenal"]),
    ("kategori-slug", SITE_OK + "kategori_umkm:\n  - slug: Oleh Oleh\n    nama: Oleh-oleh\n", "site.yaml:10:",
     ["ganti menjadi `oleh-oleh`"]),
    ("format-harga", SITE_OK + "format_harga:\n  spasi: ya\n", "site.yaml:10:", ["`format_harga.spasi` harus `true`"]),
    ("wilayah-missing", SITE_OK + "wilayah: data/tidak-ada.csv\n", "site.yaml:9:",
     ["`data/tidak-ada.csv` tidak ditemukan"]),
    ("wilayah-outside", SITE_OK + "wilayah: ../wilayah.csv\n", "site.yaml:9:", ["di dalam folder situs"]),
]


@pytest.mark.parametrize("text, prefix, words", [c[1:] for c in SITE_ERRORS], ids=[c[0] for c in SITE_ERRORS])
def test_site_yaml_errors(tmp_path, text, prefix, words):
    expect_error(build(tmp_path, {"site.yaml": text}), prefix, *words)


def test_site_categories_replace_the_defaults(tmp_path):
    text = SITE_OK + "kategori_umkm:\n  - slug: makanan\n    nama: Makanan\n"
    result = build(tmp_path, {"site.yaml": text})
    expect_error(result, f"{KEL}/umkm/keripik-tempe.md:3:", "`oleh-oleh`", "makanan")
    result = build(tmp_path / "2", {"site.yaml": text, f"{KEL}/umkm/keripik-tempe.md": md(
        UMKM_OK.replace("kuliner", "makanan"))})
    assert result.exit_code == 0, result.output
    assert page(tmp_path / "2" / "site", "umkm/makanan/").h1.get_text(strip=True) == "UMKM: Makanan"


def test_region_list_rows_are_checked(tmp_path):
    result = build(tmp_path, {"data/wilayah.csv": (
        "kode,kecamatan,kelurahan\n35.73.01.1007,Blimbing,Purwantoro\n3573011001,Blimbing,X\n"
        "35.73.01.1007,Blimbing,Lagi\n35.73.02.1001,Klojen\n")})
    assert result.exit_code == 1
    assert "data/wilayah.csv:3: kode `3573011001`" in result.output
    assert "data/wilayah.csv:4: kode `35.73.01.1007` sudah ada di baris 2" in result.output
    assert "data/wilayah.csv:5: baris harus 3 kolom (ada 2)" in result.output


# -- warnings, and --strict ---------------------------------------------------------------------------

WARNINGS = [
    ("no-foto", UMKM, md(UMKM_OK.split("foto:")[0]), ":2:", ["UMKM tanpa `foto`"]),
    ("no-diperbarui", UMKM, md(UMKM_OK.replace("diperbarui: 2026-10-01\n", "")), ":2:", ["tidak ada `diperbarui`"]),
    ("stale", UMKM, md(UMKM_OK.replace("2026-10-01", "2025-11-01")), ":6:", ["lebih dari 12 bulan lalu"]),
    ("pirt-expired", UMKM, md(UMKM_OK + 'legalitas:\n  pirt: "2063573010123-25"\n'), ":11:",
     ["P-IRT berlaku sampai 2025"]),
    ("short-body", UMKM, md(UMKM_OK, "Enak.\n"), ":10:", ["hanya 5 karakter", "minimal 50"]),
    ("marketplace-http", UMKM, md(UMKM_OK + "marketplace:\n  tokopedia: http://www.tokopedia.com/kopi\n"), ":11:",
     ["`http://` yang tidak aman"]),
    ("sumber-http", BERITA, md(BERITA_OK + "sumber_asli: http://www.instagram.com/p/abc/\n"), ":5:", ["`http://`"]),
    ("raw-html", HALAMAN, md(HALAMAN_OK, '<p onclick="x()">Halo</p>\n'), ":4:", ["<p onclick>"]),
]


@pytest.mark.parametrize("path, text, line, words", [c[1:] for c in WARNINGS], ids=[c[0] for c in WARNINGS])
def test_warnings_are_printed_and_fail_only_with_strict(tmp_path, path, text, line, words):
    result = build(tmp_path, {path: text})
    expect_warning(result, path + line, *words)
    strict = build_site(tmp_path / "site", "--strict")
    assert strict.exit_code == 1
    assert "peringatan dianggap galat" in strict.output
    assert only(strict, path + line)  # the warning itself is still shown


def test_strict_passes_a_clean_site(tmp_path):
    result = build_site(make_site(tmp_path), "--strict")
    assert result.exit_code == 0, result.output
    assert "0 peringatan" in result.output


# -- good cases: every field written correctly, and what the pages show ----------------------------

FULL_UMKM = md("""\
nama: Kopi Pak Darto
kategori: kuliner
kontak:
  whatsapp: "+62 812-3456-7891"
  telepon: "(0341) 551234"
diperbarui: 2026-10-01
pemilik: Pak Darto (contoh)
alamat: Jl. Mawar 3, Purwantoro
lokasi: {lat: -7.9553, lon: 112.6452}
foto:
  - src: keripik.png
    alt: Kopi dalam gelas
jam_buka:
  - hari: [senin, selasa, rabu]
    buka: "07:00"
    tutup: "21:30"
catatan_jam: Libur saat hari raya.
produk:
  - nama: Kopi tubruk
    harga: 15000
    harga_coret: 18000
    satuan: gelas
    foto: {src: keripik.png, alt: Kopi tubruk}
  - nama: Kopi susu
    harga: 1250000
    tersedia: false
marketplace:
  shopee: https://shopee.co.id/kopidarto
  gofood: https://gofood.co.id/malang/restaurant/kopi-darto
sosmed:
  instagram: "@kopi.darto"
  tiktok: https://www.tiktok.com/@kopidarto
legalitas:
  nib: "1234567890123"
  pirt: "2063573010123-29"
  halal: "ID35110000123456789"
pembayaran: [tunai, qris]
layanan: [ambil-sendiri, antar]
unggulan: true
status: tutup-sementara
""")


def test_a_umkm_with_every_field(tmp_path):
    site = make_site(tmp_path, f"-- {UMKM} --\n{FULL_UMKM}")
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/umkm/x/")
    text = html.get_text(" ", strip=True)
    assert html.h1.get_text(strip=True) == "Kopi Pak Darto"
    wa = html.select_one('a[href^="https://wa.me/62"]')["href"]
    assert wa.startswith("https://wa.me/6281234567891?text=")
    message = urllib.parse.unquote(wa.split("text=", 1)[1])
    assert "Kopi Pak Darto" in message and "https://contoh.github.io/uji/kelurahan/purwantoro/umkm/x/" in message
    product_wa = [a["href"] for a in html.select(".products a.button-wa")]
    assert len(product_wa) == 1 and "Kopi tubruk" in urllib.parse.unquote(product_wa[0])
    assert html.select_one('a[href^="tel:"]')["href"] == "tel:0341551234"
    assert "Rp15.000" in text and "Rp18.000" in text and "Rp1.250.000" in text
    assert html.select_one(".products del").get_text() == "Rp18.000"
    assert "07.00–21.30 WIB" in text and "Senin, Selasa, Rabu" in text and "Libur saat hari raya." in text
    hrefs = [a["href"] for a in html.find_all("a")]
    assert "https://www.openstreetmap.org/?mlat=-7.9553&mlon=112.6452#map=18/-7.9553/112.6452" in hrefs
    assert "https://www.google.com/maps/search/?api=1&query=-7.9553,112.6452" in hrefs
    assert "https://shopee.co.id/kopidarto" in hrefs and "https://www.instagram.com/kopi.darto/" in hrefs
    assert "https://www.tiktok.com/@kopidarto" in hrefs
    for badge in ("1234567890123", "2063573010123-29", "ID35110000123456789"):
        assert badge in text
    assert "Stok habis" in text and "Sementara tutup" in text or "tutup" in text.lower()


@pytest.mark.parametrize("written", ["0812-3456-7891", "+62 812 3456 7891", "62 812 3456 7891", "812-3456-7891",
                                     "(+62) 0812 3456 7891", "0812.3456.7891"])
def test_whatsapp_numbers_are_normalised(tmp_path, written):
    assert normalize_whatsapp(written) == "6281234567891"
    site = make_site(tmp_path, f"-- {UMKM} --\n" + md(UMKM_OK.replace("081234567891", written)))
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert page(site, "kelurahan/purwantoro/umkm/x/").select_one('a[href^="https://wa.me/62"]')["href"].startswith(
        "https://wa.me/6281234567891?")


@pytest.mark.parametrize("written", ["0341-551234", "021 5551234", "08123", "+1 415 555 0100", "0812345678901234",
                                     "6205123456789", "nomor saya"])
def test_not_indonesian_mobile_numbers(written):
    assert normalize_whatsapp(written) is None


def test_a_umkm_with_only_a_phone_number(tmp_path):
    front = UMKM_OK.replace('whatsapp: "081234567891"', 'telepon: "(0341) 551234"')
    site = make_site(tmp_path, f"-- {UMKM} --\n" + md(front))
    assert build_site(site, "--strict").exit_code == 0
    html = page(site, "kelurahan/purwantoro/umkm/x/")
    assert html.select_one('a[href^="https://wa.me/62"]') is None  # no order button without a WhatsApp number
    assert html.select_one('a[href="tel:0341551234"]') is not None


def test_price_format_with_a_space(tmp_path):
    site = make_site(tmp_path, f"""
-- site.yaml --
{SITE_OK}format_harga:
  spasi: true
-- {UMKM} --
""" + md(UMKM_OK + "produk:\n  - nama: Kopi\n    harga: 15000\n"))
    assert build_site(site).exit_code == 0
    assert "Rp 15.000" in page(site, "kelurahan/purwantoro/umkm/x/").get_text()


def test_a_berita_with_every_field(tmp_path):
    front = BERITA_OK.replace("2026-11-01", '"2026-11-01 19:30"') + """\
ringkasan: "{r}"
foto_sampul: {{src: ../umkm/keripik.png, alt: Suasana bazar}}
galeri:
  - {{src: ../umkm/keripik.png, alt: Stan keripik}}
kategori: umkm
umkm_terkait: [keripik-tempe, purwantoro/keripik-tempe]
tag: [bazar, umkm]
sumber_asli: https://www.instagram.com/p/Cx1/
""".format(r="r" * 160)
    site = make_site(tmp_path, f"-- {BERITA} --\n" + md(front, "Bazar UMKM di balai RW.\n"))
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/berita/bazar/")
    time = html.select_one("article time")
    assert time.get_text() == "Minggu, 1 November 2026"
    assert time["datetime"] == "2026-11-01T19:30:00+07:00"
    related = html.select_one("#terkait").find_next("ul").find_all("a")
    assert [a["href"] for a in related] == ["../../umkm/keripik-tempe/"] * 2
    assert related[0].get_text() == "Keripik Tempe Bu Sri"
    assert html.find("meta", attrs={"name": "description"})["content"] == "r" * 160
    assert html.find("a", href="https://www.instagram.com/p/Cx1/") is not None


def test_berita_without_date_prefix_and_derived_summary(tmp_path):
    path = f"{KEL}/berita/bazar.md"
    site = make_site(tmp_path, f"-- {path} --\n" + md(BERITA_OK, "Bazar **UMKM** di balai RW. " * 20))
    assert build_site(site).exit_code == 0
    description = page(site, "kelurahan/purwantoro/berita/bazar/").find("meta", attrs={"name": "description"})
    assert description["content"].startswith("Bazar UMKM di balai RW.")
    assert len(description["content"]) <= 160


def test_drafts_are_left_out_unless_asked_for(tmp_path):
    site = make_site(tmp_path, f"-- {BERITA} --\n" + md(BERITA_OK + "draft: true\n"))
    assert build_site(site).exit_code == 0
    assert not (site / "build/kelurahan/purwantoro/berita/bazar").exists()
    assert build_site(site, "--drafts").exit_code == 0
    assert (site / "build/kelurahan/purwantoro/berita/bazar/index.html").is_file()


def test_agenda_times_default_to_wib_and_past_events_are_listed_as_past(tmp_path):
    past = f"{KEL}/agenda/2026-01-10-kerja-bakti.md"
    site = make_site(tmp_path, f"-- {AGENDA} --\n" + md(AGENDA_OK + "selesai: 2026-12-10 06:00\nbiaya: 0\n")
                     + f"-- {past} --\n" + md(AGENDA_OK.replace("Senam Sehat", "Kerja Bakti").replace(
                         "2026-12-10 06:00", "2026-01-10T01:00:00Z")))
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/agenda/senam/")
    assert html.select_one("time")["datetime"] == "2026-12-10T06:00:00+07:00"
    assert "Gratis" in html.get_text()
    assert page(site, "kelurahan/purwantoro/agenda/kerja-bakti/").select_one("time")["datetime"] == (
        "2026-01-10T08:00:00+07:00")
    listing = page(site, "kelurahan/purwantoro/agenda/")
    headings = [h.get_text(strip=True) for h in listing.find_all("h2")]
    assert headings == ["Akan datang", "Sudah lewat"]
    upcoming, past_list = listing.select("ul.events")
    assert "Senam Sehat" in upcoming.get_text() and "Kerja Bakti" in past_list.get_text()


def test_halaman_menu_and_order(tmp_path):
    result = build(tmp_path, {
        "content/halaman/tentang.md": md("judul: Tentang\nurutan: 2\nmenu: true", "Tentang kami.\n"),
        "content/halaman/kontak.md": md("judul: Kontak\nurutan: 1\nmenu: true", "Kontak kami.\n"),
        "content/halaman/arsip.md": md("judul: Arsip", "Arsip.\n"),
    }, "--strict")
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    nav = [a.get_text() for a in page(site, "arsip/").select("header nav a")]
    assert nav[-2:] == ["Kontak", "Tentang"]
    assert "Arsip" not in nav


def test_a_kelurahan_with_every_field(tmp_path):
    front = INDEX_OK.replace("  nama: KIM Purwantoro Uji\n", "") + """\
  nama: KIM Purwantoro Uji
  sk: {nomor: "188.45/12/35.73.101/2024", tanggal: 2024-03-01}
  ketua: Bu Ketua (contoh)
  pengurus:
    - {nama: Pak Sekretaris, jabatan: Sekretaris}
  kontak: {whatsapp: "0812-0000-1111", email: kim@contoh.id}
  sosmed: {instagram: "@kim.purwantoro"}
nama_tampil: Purwantoro Asri
alias: [Purwo]
potensi: [Keripik tempe, Batik]
foto_sampul: {src: umkm/keripik.png, alt: Balai kelurahan}
kantor:
  alamat: Jl. Kelurahan 1
  kode_pos: 65126
  telepon: "(0341) 491234"
  email: kelurahan@contoh.id
  jam_layanan: Senin–Jumat 08.00–15.00
  lokasi: {lat: -7.96, lon: 112.64}
"""
    site = make_site(tmp_path, f"-- {INDEX} --\n" + md(front, "Profil.\n"))
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output
    text = page(site, "/").get_text(" ", strip=True)
    for shown in ("Kelurahan Purwantoro Asri", "KIM Purwantoro Uji", "188.45/12/35.73.101/2024", "1 Maret 2024",
                  "Pak Sekretaris", "65126", "Keripik tempe", "Jl. Kelurahan 1"):
        assert shown in text, shown


# -- slugs, ignored files, misplaced files -------------------------------------------------------------

@pytest.mark.parametrize("name, suggestion", [
    ("Kopi Enak", "kopi-enak"), ("kopi_enak", "kopi-enak"), ("café-susu", "cafe-susu"), ("-kopi-", "kopi"),
    ("kopi--enak", "kopi-enak"), ("k" * 61, "k" * 60),
])
def test_bad_slugs_are_errors_that_suggest_one(tmp_path, name, suggestion):
    assert slugify(name) == suggestion
    path = f"{KEL}/umkm/{name}.md"
    result = build(tmp_path, {path: md(UMKM_OK)})
    expect_error(result, f"{path}: ", f"ganti menjadi `{suggestion}`")


def test_bad_folder_slugs(tmp_path):
    result = build(tmp_path, {"content/kelurahan/Kauman Baru/_index.md": md(INDEX_OK, "x\n"),
                              f"{KEL}/umkm/Kopi Susu/index.md": md(UMKM_OK.replace("keripik.png", "/logo.png")),
                              "static/logo.png": "<png>\n"})
    assert result.exit_code == 1
    assert "content/kelurahan/Kauman Baru: nama `Kauman Baru`" in result.output
    assert f"{KEL}/umkm/Kopi Susu/index.md: nama `Kopi Susu`" in result.output and "`kopi-susu`" in result.output


def test_good_slugs_and_umkm_folders(tmp_path):
    site = make_site(tmp_path, f"-- {KEL}/umkm/kopi-2/index.md --\n" + md(UMKM_OK.replace("keripik.png", "foto.png"))
                     + f"-- {KEL}/umkm/kopi-2/foto.png --\n<png>\n")
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output
    assert (site / "build/kelurahan/purwantoro/umkm/kopi-2/foto.png").is_file()


def test_ignored_files_are_not_read(tmp_path):
    junk = "tidak: [valid\n"
    result = build(tmp_path, {f"{KEL}/umkm/.draf.md": junk, f"{KEL}/umkm/_catatan.md": junk,
                              f"{KEL}/umkm/x.md~": junk, f"{KEL}/umkm/#x.md#": junk, f"{KEL}/umkm/.x.md.swp": junk},
                   "--strict")
    assert result.exit_code == 0, result.output


def test_misplaced_markdown_is_an_error(tmp_path):
    result = build(tmp_path, {"content/umkm/kopi.md": md(UMKM_OK), f"{KEL}/produk/kopi.md": md(UMKM_OK)})
    assert result.exit_code == 1
    assert "content/umkm/kopi.md: berkas Markdown di tempat yang tidak dikenal" in result.output
    assert f"{KEL}/produk/kopi.md: berkas Markdown di tempat yang tidak dikenal" in result.output


def test_front_matter_must_exist_and_be_closed(tmp_path):
    result = build(tmp_path, {HALAMAN: "judul: Tentang\n\nIsi.\n", "content/halaman/kontak.md": "---\njudul: K\nIsi\n"})
    expect_error(result, f"{HALAMAN}:1:", "`---`")
    expect_error(result, "content/halaman/kontak.md:1:", "tidak ditutup")


def test_bom_and_crlf_are_accepted(tmp_path):
    site = make_site(tmp_path)
    (site / "content/halaman").mkdir(parents=True)
    (site / HALAMAN).write_bytes("\ufeff---\r\njudul: Tentang\r\n---\r\nIsi halaman.\r\n".encode())
    assert build_site(site, "--strict").exit_code == 0
    assert page(site, "tentang/").h1.get_text() == "Tentang"


# -- all errors together, sorted; exit codes; languages ----------------------------------------------

def test_all_errors_of_a_build_are_reported_together_sorted_by_path(tmp_path):
    result = build(tmp_path, {
        HALAMAN: md("urutan: x\n"),
        UMKM: md(UMKM_OK.replace("kuliner", "kulner") + "status: libur\n"),
        BERITA: md(BERITA_OK.replace("2026-11-01", "2026-11-05")),
        "content/halaman/arsip.md": md("judul: Arsip\nmenu: kadang\n"),
    })
    assert result.exit_code == 1
    errors = [line for line in result.lines() if line.startswith("content/")]
    assert [e.split(": ")[0] for e in errors] == [
        "content/halaman/arsip.md:3",
        "content/halaman/tentang.md:2",
        "content/halaman/tentang.md:2",
        f"{BERITA}:3",
        f"{UMKM}:3",
        f"{UMKM}:10",
    ]
    assert "Build gagal: 6 galat, 0 peringatan" in result.output


def test_exit_codes(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    assert build_site(site, "--tidak-ada").exit_code == 2
    assert build_site(tmp_path / "tidak-ada").exit_code == 2
    (tmp_path / "berkas").write_text("x")
    assert build_site(site, "-o", str(tmp_path / "berkas")).exit_code == 2
    bad_url = build_site(site, "--base-url", "ftp://contoh.id/")
    assert bad_url.exit_code == 2, bad_url.output
    assert "--base-url" in bad_url.output
    (site / "site.yaml").unlink()
    missing = build_site(site)
    assert missing.exit_code == 1 and "site.yaml tidak ditemukan" in missing.output


def test_base_url_overrides_site_url(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site, "--base-url", "https://kim.github.io/situs").exit_code == 0
    assert page(site, "/").find("link", rel="canonical")["href"] == "https://kim.github.io/situs/"


def test_english_site_gives_english_messages_and_words(tmp_path):
    site_yaml = SITE_OK + "bahasa: en\n"
    result = build(tmp_path, {"site.yaml": site_yaml, UMKM: md(UMKM_OK.replace("kuliner", "kulner"))})
    line = expect_error(result, UMKM + ":3:", "`kategori` is `kulner`, which is unknown", "did you mean `kuliner`?")
    assert "bernilai" not in line
    assert "Build failed: 1 error(s)" in result.output
    warned = build(tmp_path / "2", {"site.yaml": site_yaml, UMKM: md(UMKM_OK.split("foto:")[0])})
    assert warned.exit_code == 0
    assert only(warned, UMKM + ":2:").startswith(f"{UMKM}:2: warning: UMKM without `foto`")
    html = page(tmp_path / "2" / "site", "kelurahan/purwantoro/umkm/x/")
    assert html.html["lang"] == "en"
    assert html.select_one('a[href^="https://wa.me/62"]').get_text(strip=True) == "Order via WhatsApp"
    assert "Checked on" in html.get_text() and "1 October 2026" in html.get_text()


def test_kecamatan_pages(tmp_path):
    good = build(tmp_path, {"content/kecamatan/blimbing.md": md("judul: Kecamatan Blimbing\ndeskripsi: Di utara kota.",
                                                                 "Sejarah Blimbing.\n")}, "--strict")
    assert good.exit_code == 0, good.output
    html = page(tmp_path / "site", "kecamatan/blimbing/")
    assert html.h1.get_text() == "Kecamatan Blimbing" and "Sejarah Blimbing." in html.get_text()
    bad = build(tmp_path / "2", {"content/kecamatan/lowokwaru.md": md("judul: Lowokwaru", "x\n")})
    assert bad.exit_code == 1
    assert "content/kecamatan/lowokwaru.md: `lowokwaru` bukan kecamatan di daftar wilayah" in bad.output


def test_umkm_terkait_may_name_a_umkm_of_another_kelurahan(tmp_path):
    result = build(tmp_path, {
        "content/kelurahan/kauman/_index.md": md(INDEX_OK.replace("35.73.01.1007", "35.73.02.1001"), "Profil.\n"),
        "content/kelurahan/kauman/umkm/kopi.md": md(UMKM_OK.replace("keripik.png", "/logo.png")),
        "static/logo.png": "<png>\n",
        BERITA: md(BERITA_OK + "umkm_terkait: [kauman/kopi, keripik-tempe]\n"),
    }, "--strict")
    assert result.exit_code == 0, result.output
    html = page(tmp_path / "site", "kelurahan/purwantoro/berita/bazar/")
    links = [a["href"] for a in html.select_one("#terkait").find_next("ul").find_all("a")]
    assert links == ["../../../kauman/umkm/kopi/", "../../umkm/keripik-tempe/"]


def test_a_file_that_is_not_utf8_is_an_error_at_its_line(tmp_path):
    site = make_site(tmp_path)
    (site / "content/halaman").mkdir(parents=True)
    (site / HALAMAN).write_bytes(b"---\njudul: Tentang\n---\nIsi \xff\xfe rusak.\n")
    result = build_site(site)
    expect_error(result, f"{HALAMAN}:4:", "UTF-8")


def test_ignored_folders(tmp_path):
    junk = "tidak: [valid\n"
    result = build(tmp_path, {"content/kelurahan/_arsip/_index.md": junk, f"{KEL}/.git/x.md": junk,
                              f"{KEL}/umkm/_lama/index.md": junk}, "--strict")
    assert result.exit_code == 0, result.output
