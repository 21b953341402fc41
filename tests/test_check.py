"""`kimsite check`: one planted fault of each kind, each reported at its `path:line`, nothing written."""

from __future__ import annotations

import io
import json
import random
import re

from click.testing import CliRunner
from PIL import Image
from sitetools import SOURCE_DATE_EPOCH, make_site

from kimsite.check import CheckResult, escape_data, escape_property, format_github
from kimsite.cli import main
from kimsite.errors import make

UMKM = "content/kelurahan/purwantoro/umkm"


def run(*args: str):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                              catch_exceptions=False)


def line_of(site, rel: str, needle: str) -> int:
    lines = (site / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, start=1) if needle in text)


def heavy_png() -> bytes:
    """Noise does not compress: 640×640 RGB noise is a ~1.2 MB PNG."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (640, 640), bytes(rng.getrandbits(8) for _ in range(640 * 640 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def wide_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4200, 10), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


FAULTS = f"""
-- {UMKM}/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2024-01-10
foto:
  - src: keripik.png
    alt: Keripik tempe dalam kemasan
legalitas:
  pirt: "2063573010123-20"
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
Lihat juga [jam buka](#jam-buka-lama) kami.
-- {UMKM}/tanpa-foto.md --
---
nama: Warung Tanpa Foto
kategori: kuliner
kontak:
  telepon: "(0341) 551234"
diperbarui: 2026-11-01
---
Warung nasi pecel dengan sambal kacang buatan sendiri, buka setiap pagi.
-- {UMKM}/tanpa-kontak.md --
---
nama: Usaha Tanpa Kontak
kategori: jasa
kontak: {{}}
diperbarui: 2026-11-01
foto:
  - src: keripik.png
    alt: Foto usaha
---
Jasa jahit dan permak pakaian, rapi dan cepat, bisa ditunggu di tempat.
-- {UMKM}/foto-berat/index.md --
---
nama: Batik Foto Berat
kategori: fesyen
kontak:
  whatsapp: "0812-3456-7891"
diperbarui: 2026-11-01
foto:
  - src: berat.png
    alt: Kain batik
  - src: lebar.png
    alt: Spanduk toko
---
Batik tulis motif khas Malang, dibuat dengan canting oleh ibu-ibu kampung.
-- static/tautan.html --
<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Tautan</title></head>
<body>
<p><a href="kelurahan/tidak-ada/">hilang</a></p>
</body></html>
"""


def test_one_fault_of_each_kind_is_reported_at_its_line(tmp_path):
    site = make_site(tmp_path, FAULTS)
    (site / f"{UMKM}/foto-berat/berat.png").write_bytes(heavy_png())
    (site / f"{UMKM}/foto-berat/lebar.png").write_bytes(wide_png())
    # The build itself stops at errors (the missing contact); check reports the rest once it is fixed,
    # so plant the error-level faults in two rounds: first the content error …
    first = run("check", str(site))
    assert first.exit_code == 1
    kontak = f"{UMKM}/tanpa-kontak.md:{line_of(site, f'{UMKM}/tanpa-kontak.md', 'kontak:')}:"
    assert any(line.startswith(kontak) for line in first.output.splitlines()), first.output
    assert not (site / "build").exists()  # check writes nothing
    # … then, with it fixed, every fault that needs the built pages.
    (site / f"{UMKM}/tanpa-kontak.md").unlink()
    result = run("check", str(site), "--format", "json")
    assert result.exit_code == 1
    found = {(d["path"], d["line"], d["level"]): d["message"] for d in json.loads(result.output)}
    keripik = f"{UMKM}/keripik-tempe.md"
    berat = f"{UMKM}/foto-berat/index.md"
    expected = {
        (keripik, line_of(site, keripik, "#jam-buka-lama"), "error"): "#jam-buka-lama",  # missing anchor
        ("static/tautan.html", line_of(site, "static/tautan.html", "tidak-ada"), "error"): "kelurahan/tidak-ada/",
        (keripik, line_of(site, keripik, "diperbarui:"), "warning"): "2024-01-10",  # stale listing
        (keripik, line_of(site, keripik, "pirt:"), "warning"): "P-IRT",  # expired
        (f"{UMKM}/tanpa-foto.md", 2, "warning"): "foto",  # no photo: at the front matter's first key
        (berat, line_of(site, berat, "src: berat.png"), "warning"): "MB",  # heavier than 1 MB
        (berat, line_of(site, berat, "src: lebar.png"), "warning"): "4200×10",  # wider than 4000 px
    }
    for where, words in expected.items():
        assert where in found, f"{where} not reported; got {sorted(found)}"
        assert words in found[where], found[where]
    assert len(found) == len(expected), sorted(found)
    assert not (site / "build").exists()


def test_text_output_is_path_line_message_and_a_summary(tmp_path):
    site = make_site(tmp_path, f"""
-- {UMKM}/keripik-tempe.md --
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

Lihat [bagian yang hilang](#hilang).
""")
    result = run("check", str(site))
    assert result.exit_code == 1
    line = line_of(site, f"{UMKM}/keripik-tempe.md", "#hilang")
    assert f"{UMKM}/keripik-tempe.md:{line}: tautan `#hilang`" in result.output
    assert "Pemeriksaan: 1 galat, 0 peringatan." in result.output


def test_a_clean_site_passes_and_strict_fails_on_warnings(tmp_path):
    clean = make_site(tmp_path / "a")
    assert run("check", str(clean)).exit_code == 0
    warned = make_site(tmp_path / "b", f"""
-- {UMKM}/lama.md --
---
nama: Warung Lama
kategori: kuliner
kontak:
  whatsapp: "0812-3456-7892"
diperbarui: 2020-01-01
foto:
  - src: keripik.png
    alt: Warung
---
Warung nasi campur yang sudah berdiri sejak lama di pinggir jalan besar.
""")
    assert run("check", str(warned)).exit_code == 0
    assert run("check", str(warned), "--strict").exit_code == 1


def test_github_format_escapes_data_and_properties():
    assert escape_data("50% selesai\r\nbaris") == "50%25 selesai%0D%0Abaris"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    result = CheckResult([make("content/a,b:c.md", 7, "check.link_fragment", "error", 0,
                               link="#x%y", page="/a/"),
                          make("site.yaml", 0, "umkm.no_photo", "warning")], "id")
    lines = format_github(result).splitlines()
    assert lines[0].startswith("::error file=content/a%2Cb%3Ac.md,line=7,title=kimsite check::tautan `#x%25y`")
    assert lines[1].startswith("::warning file=site.yaml,title=kimsite check::UMKM tanpa")
    assert all("\n" not in line for line in lines)


def test_github_format_end_to_end(tmp_path):
    site = make_site(tmp_path, f"""
-- {UMKM}/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2026-10-01
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
""")
    result = run("check", str(site), "--format", "github")
    assert result.exit_code == 0
    assert f"::warning file={UMKM}/keripik-tempe.md,line=2,title=kimsite check::UMKM tanpa" in result.output


def test_the_volunteer_guide_explains_the_messages():
    from pathlib import Path

    from kimsite.messages import M

    guide = (Path(__file__).resolve().parent.parent / "docs/panduan-relawan.md").read_text(encoding="utf-8")
    appendix = guide[guide.index("### Daftar lengkap pesan"):]
    listed = set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", appendix, flags=re.M))
    assert listed and listed <= set(M), f"the guide lists unknown message keys: {sorted(listed - set(M))}"
    mine = {k for k in M if k.split(".")[0] in ("check", "new", "init", "cms")}  # the keys of these commands
    assert mine <= listed, f"regenerate docs/panduan-relawan.md §9: missing {sorted(mine - listed)}"


def test_github_paths_are_relative_to_the_checkout(tmp_path, monkeypatch):
    site = make_site(tmp_path, f"""
-- {UMKM}/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2026-10-01
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
""")
    monkeypatch.chdir(site.parent)
    result = run("check", "site", "--format", "github")
    assert f"::warning file=site/{UMKM}/keripik-tempe.md,line=2," in result.output
