"""Test helpers: small sites written inline (Hugo's txtar style), built into temp folders.

    site = make_site(tmp_path, '''
    -- content/kelurahan/purwantoro/umkm/keripik.md --
    ---
    nama: Keripik
    ...
    ''')
    result = build_site(site)
    assert result.exit_code == 0
    html = page(site, "kelurahan/purwantoro/umkm/keripik/")

`make_site` starts from a minimal valid site (BASE) and adds or replaces the files in the spec;
`-- path --` with no content after it deletes a base file when `delete=True` style is needed:
write `-- path -- (hapus)` to remove a base file.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner

from kimsite.cli import main

WILAYAH = """kode,kecamatan,kelurahan
35.73.01.1001,Blimbing,Balearjosari
35.73.01.1007,Blimbing,Purwantoro
35.73.02.1001,Klojen,Kauman
35.73.03.1001,Kedungkandang,Buring
"""

# A second kelurahan with its own page (no KIM), for tests that need a portal of several kelurahan.
KAUMAN = """
-- content/kelurahan/kauman/_index.md --
---
kode: "35.73.02.1001"
deskripsi: Kelurahan uji kedua di Kecamatan Klojen.
kim:
  ada: false
---
"""

BASE = """
-- site.yaml --
nama: Situs Uji
url: https://contoh.github.io/uji/
deskripsi: Situs kecil untuk pengujian kimsite.
kota: Kota Malang
provinsi: Jawa Timur
pengelola:
  nama: KIM Uji
  jenis: kim
-- data/wilayah.csv --
""" + WILAYAH + """
-- content/kelurahan/purwantoro/_index.md --
---
kode: "35.73.01.1007"
deskripsi: Kelurahan uji di Kecamatan Blimbing.
kim:
  ada: true
  nama: KIM Purwantoro Uji
---
Profil kelurahan uji.
-- content/kelurahan/purwantoro/umkm/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2026-10-01
foto:
  - src: keripik.png
    alt: Keripik tempe dalam kemasan
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
-- content/kelurahan/purwantoro/umkm/keripik.png --
<png>
"""

SOURCE_DATE_EPOCH = "1795737600"  # 2026-11-27 00:00 UTC, a fixed "now" for date rules

# A UMKM file to fill in (`.format(nama=…, body=…)`) and an agenda, for tests that need a few more pages.
UMKM_TEMPLATE = """---
nama: {nama}
kategori: kuliner
kontak:
  whatsapp: "081234567891"
diperbarui: 2026-10-01
---
{body}
"""
AGENDA_BAZAR = """---
judul: Bazar UMKM akhir tahun
mulai: 2026-12-05T08:00:00+07:00
lokasi:
  nama: Balai RW 3
penyelenggara: KIM Purwantoro Uji
---
Bazar jajanan dan kerajinan warga, terbuka untuk umum dan gratis.
"""


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (480, 360), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


_SECTION = re.compile(r"^-- (.+?) --(?: \((hapus)\))?$", re.M)


def parse_spec(spec: str) -> dict[str, str | None]:
    """`-- path --` sections → {path: text}; `(hapus)` → None (delete)."""
    spec = textwrap.dedent(spec)
    files: dict[str, str | None] = {}
    matches = list(_SECTION.finditer(spec))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(spec)
        body = spec[match.end() + 1: end]
        files[match.group(1).strip()] = None if match.group(2) else body
    return files


def make_site(root: Path, spec: str = "", base: bool = True) -> Path:
    """Write BASE (unless base=False) plus `spec` under root/site; return the site folder."""
    site = root / "site"
    files = parse_spec(BASE) if base else {}
    files.update(parse_spec(spec))
    for rel, text in files.items():
        path = site / rel
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.strip() == "<png>":
            path.write_bytes(_tiny_png())
        else:
            path.write_text(text, encoding="utf-8")
    return site


@dataclass
class Result:
    exit_code: int
    output: str  # stdout + stderr

    def lines(self) -> list[str]:
        return self.output.splitlines()


def build_site(site: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run `kimsite build SITE ARGS…` in-process; never raises, returns exit code and output."""
    runner = CliRunner()
    environment = {"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **(env or {})}
    result = runner.invoke(main, ["build", str(site), *args], env=environment, catch_exceptions=True)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "".join(traceback.format_exception(result.exception))
    return Result(result.exit_code, output)


def page(site: Path, url: str, out: Path | None = None) -> BeautifulSoup:
    """Parsed HTML of a built page, by URL (`kelurahan/x/` → build/kelurahan/x/index.html)."""
    out = out or site / "build"
    rel = url.strip("/")
    path = out / rel / "index.html" if not rel.endswith(".html") else out / rel
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under folder → its bytes (to compare whole output trees)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
