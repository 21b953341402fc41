"""kimsite as users get it: a wheel (not the editable checkout) that still finds its default theme,
and a command line with a version, examples in --help, and exit code 2 for wrong usage."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitetools import SOURCE_DATE_EPOCH, make_site, tree_bytes

from kimsite import __version__
from kimsite.cli import main

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """kimsite built as a wheel from the repository (as `pip install kimsite` would)."""
    wheels = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([PYTHON, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = wheels.glob("kimsite-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> Path:
    """The wheel installed into a plain folder (no editable checkout, no repository around it)."""
    target = tmp_path_factory.mktemp("installed")
    result = subprocess.run([PYTHON, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(target), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    return subprocess.run([PYTHON, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_ships_the_default_theme(installed):
    theme = installed / "kimsite" / "themes" / "default"
    for rel in ("tema.yaml", "templates/base.html", "templates/umkm.html", "i18n/id.yaml", "i18n/en.yaml",
                "static/css/kimsite.css", "static/favicon.ico"):
        assert (theme / rel).is_file(), rel


def test_an_installed_kimsite_builds_a_site_outside_the_repository(installed, tmp_path):
    site = make_site(tmp_path)
    assert not (site / "themes").exists()
    elsewhere = tmp_path / "di-tempat-lain"
    elsewhere.mkdir()
    where = run_installed(installed, elsewhere, "-c", "import kimsite, kimsite.theme as t; "
                          "print(kimsite.__file__); print(t.bundled_themes_dir())")
    assert where.returncode == 0, where.stderr
    module, themes = where.stdout.split()
    assert Path(module).is_relative_to(installed), "the test must run the installed copy, not the checkout"
    assert Path(themes).is_relative_to(installed)

    out = tmp_path / "keluaran"
    result = run_installed(installed, elsewhere, "-m", "kimsite", "build", str(site), "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "halaman" in result.stdout
    built = tree_bytes(out)
    assert "kelurahan/purwantoro/umkm/keripik-tempe/index.html" in built
    assert "css/kimsite.css" in built and "favicon.ico" in built
    assert b"Keripik Tempe Bu Sri" in built["kelurahan/purwantoro/umkm/keripik-tempe/index.html"]


def test_the_wheel_holds_the_package_and_not_the_example_site(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kimsite/cli.py" in names and "kimsite/themes/default/templates/base.html" in names
    assert not any(name.startswith(("content/", "build/", "tests/", "themes/", "static/")) for name in names)
    assert not any("__pycache__" in name for name in names)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"kimsite, version {__version__}"


def test_build_help_shows_options_and_examples():
    result = invoke("build", "--help")
    assert result.exit_code == 0
    for text in ("--output", "--base-url", "--drafts", "--strict", "--quiet", "--verbose", "Contoh / examples",
                 "kimsite build contoh-situs -o /tmp/situs --strict"):
        assert text in result.output, text


def test_every_command_has_help_with_examples():
    top = invoke("--help")
    assert top.exit_code == 0 and "Contoh / examples" in top.output
    commands = [line.split()[0] for line in top.output.split("Commands:", 1)[1].splitlines() if line.strip()]
    assert "build" in commands
    for command in commands:
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Contoh" in result.output or "xample" in result.output, f"`kimsite {command} --help` has no examples"


@pytest.mark.parametrize("args", [["build", "--tidak-ada"], ["tidak-ada"], ["build", "a", "b"],
                                  ["build", "--base-url"]])
def test_usage_errors_exit_with_2(args):
    result = invoke(*args)
    assert result.exit_code == 2, result.output


def test_quiet_and_verbose(tmp_path):
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/umkm/tanpa-foto.md --
    ---
    nama: Tanpa Foto
    kategori: jasa
    kontak: {telepon: "(0341) 551234"}
    diperbarui: 2026-10-01
    ---
    Jasa jahit dan permak pakaian, bisa ditunggu, di dekat balai RW 05.
    """)
    quiet = invoke("build", str(site), "-q")
    assert quiet.exit_code == 0 and quiet.output == ""
    verbose = invoke("build", str(site), "-v")
    assert verbose.exit_code == 0
    assert "peringatan:" in verbose.output and "halaman" in verbose.output
    assert len(verbose.output.splitlines()) > 3  # each phase


def test_the_command_as_a_process_exits_with_the_build_code_and_every_message(tmp_path):
    """`kimsite build` as a process ends without the interpreter's teardown (kimsite.cli.run): its
    messages must still all arrive, the exit code must be the build's, the cache must be complete."""
    site = make_site(tmp_path)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    ok = subprocess.run([PYTHON, "-m", "kimsite", "build", str(site)], capture_output=True, text=True,
                        env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "halaman" in ok.stdout and ok.stdout.endswith("\n")
    from kimsite import cache

    assert cache.load_record(site) is not None  # the cache and its record were written and closed
    assert cache.load(site)[1] is None
    bad = site / "content/kelurahan/purwantoro/umkm/rusak.md"
    bad.write_text("---\nnama: Rusak\nkategori: bukan-kategori\n---\nIsi.\n", encoding="utf-8")
    failed = subprocess.run([PYTHON, "-m", "kimsite", "build", str(site)], capture_output=True, text=True,
                            env=env, timeout=300)
    assert failed.returncode == 1
    assert "rusak.md:3" in failed.stderr and "Build gagal" in failed.stderr
    usage = subprocess.run([PYTHON, "-m", "kimsite", "build", str(tmp_path / "tidak-ada")], capture_output=True,
                           text=True, env=env, timeout=60)
    assert usage.returncode == 2 and "tidak ada" in usage.stderr


def test_the_console_script_is_the_process_entry_point():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.scripts]\nkimsite = "kimsite.cli:run"\n' in text
