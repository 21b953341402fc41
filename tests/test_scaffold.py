"""`kimsite init` and `kimsite new`: real sites created in temp folders, built and checked."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitetools import SOURCE_DATE_EPOCH, build_site

from kimsite import content
from kimsite.cli import main
from kimsite.scaffold import KINDS, NewOptions, new_content
from kimsite.yamlread import load

REPO = Path(__file__).resolve().parent.parent


def run(*args: str):  # noqa: ANN201 - click's Result
    runner = CliRunner()
    return runner.invoke(main, list(args), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}, catch_exceptions=False)


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return load(text.split("---\n")[1])


def new_site(tmp_path: Path, *flags: str) -> Path:
    site = tmp_path / "situs"
    result = run("init", str(site), *(flags or ("--kelurahan", "35.73.01.1007")))
    assert result.exit_code == 0, result.output
    return site


def test_init_and_new_of_every_kind_builds_and_checks_with_zero_warnings(tmp_path):
    site = new_site(tmp_path)
    commands = [
        ("umkm", "Keripik Tempe Bu Sri", "--kategori", "oleh-oleh"),
        ("berita", "Kerja Bakti RW 05"),
        ("agenda", "Pelatihan Foto Produk"),
        ("halaman", "Sejarah Kelurahan", "-k", "purwantoro"),
        ("halaman", "Kontak"),
        ("kelurahan", "Kauman"),
    ]
    for kind, name, *extra in commands:
        kel = ["-k", "purwantoro"] if kind in ("umkm", "berita", "agenda") else []
        result = run("new", kind, name, "-s", str(site), *kel, *extra)
        assert result.exit_code == 0, result.output
    assert {c[0] for c in commands} == set(KINDS)
    built = build_site(site)
    assert built.exit_code == 0, built.output
    assert "0 peringatan" in built.output
    checked = run("check", str(site), "--format", "json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output) == []
    assert (site / "build/kelurahan/purwantoro/umkm/keripik-tempe-bu-sri/index.html").is_file()
    assert (site / "build/kelurahan/kauman/index.html").is_file()
    assert (site / "build/kelurahan/purwantoro/berita/kerja-bakti-rw-05/index.html").is_file()


def test_new_never_overwrites(tmp_path):
    site = new_site(tmp_path)
    for kind, name in (("umkm", "Warung Bu Tin"), ("berita", "Rapat KIM"), ("agenda", "Senam Pagi"),
                       ("halaman", "Potensi"), ("kelurahan", "Kauman")):
        first = run("new", kind, name, "-s", str(site))
        assert first.exit_code == 0, first.output
        written = [line.strip()[2:] for line in first.output.splitlines() if line.strip().startswith("+ ")]
        md = next(site / rel for rel in written if rel.endswith(".md"))
        md.write_text(md.read_text(encoding="utf-8") + "\nDisunting relawan.\n", encoding="utf-8")
        before = {rel: (site / rel).read_bytes() for rel in written}
        second = run("new", kind, name, "-s", str(site))
        assert second.exit_code == 1, second.output
        assert "sudah ada" in second.output
        assert {rel: (site / rel).read_bytes() for rel in written} == before


def test_new_refuses_a_flat_umkm_file_of_the_same_slug(tmp_path):
    site = new_site(tmp_path)
    flat = site / "content/kelurahan/purwantoro/umkm/warung-bu-tin.md"
    flat.parent.mkdir(parents=True)
    flat.write_text("---\nnama: x\n---\n", encoding="utf-8")
    result = run("new", "umkm", "Warung Bu Tin", "-s", str(site))
    assert result.exit_code == 1
    assert "content/kelurahan/purwantoro/umkm/warung-bu-tin.md" in result.output
    assert not (site / "content/kelurahan/purwantoro/umkm/warung-bu-tin").exists()


def test_unknown_kelurahan_and_category_list_the_valid_ones(tmp_path):
    site = new_site(tmp_path)
    bad_kel = run("new", "umkm", "Warung", "-s", str(site), "-k", "atlantis")
    assert bad_kel.exit_code == 1
    assert "atlantis" in bad_kel.output and "purwantoro" in bad_kel.output
    bad_cat = run("new", "umkm", "Warung", "-s", str(site), "--kategori", "kulinerr")
    assert bad_cat.exit_code == 1
    assert "kuliner, oleh-oleh" in bad_cat.output
    bad_region = run("new", "kelurahan", "Atlantis", "-s", str(site))
    assert bad_region.exit_code == 1
    assert "35.73.02.1001" in bad_region.output  # the list of valid ones, from the site's wilayah.csv
    assert not (site / "content/kelurahan/purwantoro/umkm").exists()


def test_a_portal_needs_the_kelurahan_named(tmp_path):
    site = new_site(tmp_path, "--kota", "Kota Malang")
    assert run("new", "kelurahan", "35.73.01.1007", "-s", str(site)).exit_code == 0  # Purwantoro, by code
    assert run("new", "kelurahan", "Kauman", "-s", str(site)).exit_code == 0  # by name
    missing = run("new", "umkm", "Warung", "-s", str(site))
    assert missing.exit_code == 2
    assert "kauman, purwantoro" in missing.output
    assert run("new", "umkm", "Warung", "-s", str(site), "-k", "kauman").exit_code == 0
    built = build_site(site)
    assert built.exit_code == 0, built.output
    assert "0 peringatan" in built.output


@pytest.mark.parametrize("kind", KINDS)
def test_generated_file_names_every_key_of_its_kind_with_a_comment(tmp_path, kind):
    site = new_site(tmp_path)
    written = new_content(NewOptions(kind, "Contoh Nama", site, kelurahan="purwantoro" if kind != "kelurahan"
                                     else None, examples_active=True) if kind != "kelurahan"
                          else NewOptions(kind, "Kauman", site, examples_active=True))
    md = site / next(rel for rel in written if rel.endswith(".md"))
    keys = {"umkm": content.UMKM_KEYS, "berita": content.BERITA_KEYS, "agenda": content.AGENDA_KEYS,
            "halaman": content.HALAMAN_KEYS, "kelurahan": content.KELURAHAN_KEYS}[kind]
    data = front(md)
    assert tuple(data) == keys  # every key, in the parser's order
    lines = md.read_text(encoding="utf-8").splitlines()
    for key in keys:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        assert lines[index - 1].startswith("# "), f"{key} has no comment above it"
    if kind == "umkm":
        assert tuple(data["produk"][0]) == content.PRODUK_KEYS
        assert tuple(data["jam_buka"][0]) == content.JAM_BUKA_KEYS
        assert tuple(data["legalitas"]) == content.LEGALITAS_KEYS
        assert tuple(data["kontak"]) == content.UMKM_KONTAK_KEYS
    if kind == "kelurahan":
        assert tuple(data["kantor"]) == content.KANTOR_KEYS
        assert tuple(data["kim"]) == content.KIM_KEYS
    if kind == "agenda":
        assert tuple(data["lokasi"]) == content.AGENDA_LOKASI_KEYS


def test_every_example_is_valid_when_written_live(tmp_path):
    """The commented-out examples, all switched on, still build with no error and no warning."""
    site = new_site(tmp_path)
    new_content(NewOptions("umkm", "Keripik Tempe", site, examples_active=True))
    for kind, name in (("berita", "Bazar UMKM"), ("agenda", "Senam"), ("halaman", "Sejarah")):
        new_content(NewOptions(kind, name, site, kelurahan="purwantoro", examples_active=True))
    new_content(NewOptions("kelurahan", "Kauman", site, examples_active=True))
    berita = next((site / "content/kelurahan/purwantoro/berita").glob("*.md"))
    assert front(berita)["umkm_terkait"] == ["keripik-tempe"]
    result = run("check", str(site), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_init_refuses_a_folder_with_files(tmp_path):
    site = tmp_path / "situs"
    site.mkdir()
    (site / "catatan.txt").write_text("punya saya", encoding="utf-8")
    result = run("init", str(site), "--kelurahan", "Purwantoro")
    assert result.exit_code == 1
    assert "sudah berisi" in result.output
    assert [p.name for p in site.iterdir()] == ["catatan.txt"]


def test_init_names_the_valid_kelurahan_and_cities(tmp_path):
    unknown = run("init", str(tmp_path / "a"), "--kelurahan", "99.99.99.9999")
    assert unknown.exit_code == 2
    assert "35.73.01.1007 Purwantoro" in unknown.output
    city = run("init", str(tmp_path / "b"), "--kota", "Kota Atlantis")
    assert city.exit_code == 2 and "Kota Malang" in city.output
    neither = run("init", str(tmp_path / "c"))
    assert neither.exit_code == 2
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_init_writes_the_region_list_its_licence_workflows_and_a_pinned_requirement(tmp_path):
    from kimsite import __version__

    site = new_site(tmp_path)
    assert (site / "data/wilayah.csv").read_bytes() == (REPO / "data/wilayah.csv").read_bytes()
    assert "MIT License" in (site / "data/LISENSI-wilayah.md").read_text(encoding="utf-8")
    assert f"kimsite=={__version__}" in (site / "requirements.txt").read_text(encoding="utf-8")
    assert (site / ".github/workflows/pages.yml").is_file() and (site / ".github/workflows/check.yml").is_file()
    assert not (site / "themes").exists()  # the theme is referenced, not copied
    assert "tema: default" in (site / "site.yaml").read_text(encoding="utf-8")


def test_bundled_region_data_is_the_repository_copy():
    assert (REPO / "kimsite/data/wilayah_malang.csv").read_bytes() == (REPO / "data/wilayah.csv").read_bytes()
    assert (REPO / "kimsite/data/LISENSI-wilayah.md").read_bytes() == (REPO / "data/LISENSI-wilayah.md").read_bytes()


def test_the_wheel_ships_the_region_data_and_the_poster_theme(tmp_path):
    """`pip wheel` with hatchling (from PyPI, like any install): the data `init` needs is inside it."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                             str(REPO)], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.skip(f"could not build a wheel here: {result.stderr[-300:]}")
    wheel = next(tmp_path.glob("kimsite-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kimsite/data/wilayah_malang.csv" in names
    assert "kimsite/data/LISENSI-wilayah.md" in names
    assert "kimsite/themes/default/templates/poster.html" in names
    assert "kimsite/themes/default/static/css/poster.css" in names
