"""Faults: a crash while rendering, a full disk, SIGKILL; stale files; reproducibility across machines.

Each fault must leave the previous output byte-identical; the next build removes any leftover temp or
journal folder and succeeds. A deleted source's page disappears. Builds run with a different
PYTHONHASHSEED, file creation order, TZ and locale give a byte-identical output tree.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sitetools import SOURCE_DATE_EPOCH, build_site, make_site, parse_spec, tree_bytes

import kimsite.build as build_module
from kimsite.output import OutputWriter

REPO = Path(__file__).resolve().parent.parent
KEL = "content/kelurahan/purwantoro"


def _umkm(i: int) -> str:
    return f"""
-- {KEL}/umkm/usaha-{i:02d}.md --
---
nama: Usaha Nomor {i}
kategori: kuliner
kontak:
  whatsapp: "0812-3456-{7000 + i}"
diperbarui: 2026-10-01
produk:
  - nama: Produk {i}
    harga: {1000 * (i + 1)}
---
Usaha nomor {i} menjual makanan rumahan yang dimasak setiap pagi oleh keluarga pemiliknya.
"""


SPEC = "".join(_umkm(i) for i in range(12)) + f"""
-- {KEL}/berita/2026-11-01-rapat.md --
---
judul: Rapat KIM November
tanggal: 2026-11-01
penulis: Admin KIM
---
Rapat bulanan KIM membahas pendataan UMKM baru di kelurahan.
-- {KEL}/agenda/2026-12-01-senam.md --
---
judul: Senam Pagi
mulai: 2026-12-01 06:00
lokasi:
  nama: Balai RW 3
penyelenggara: KIM Purwantoro
---
Senam bersama warga.
"""


def leftovers(site: Path) -> list[str]:
    """Temp, swap and journal folders of the writer next to the output folder."""
    return sorted(p.name for p in site.iterdir() if ".kimsite-tmp-" in p.name or ".kimsite-old-" in p.name
                  or ".kimsite-undo-" in p.name)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    site = make_site(tmp_path, SPEC)
    result = build_site(site, "-j", "1")
    assert result.exit_code == 0, result.output
    return site, tree_bytes(site / "build")


def _change_content(site: Path) -> None:
    """An edit that changes many output files (lists, feeds, search index, the page itself)."""
    path = site / KEL / "umkm" / "usaha-03.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Usaha Nomor 3", "Usaha Nomor Tiga"), encoding="utf-8")


def _assert_recovers(site: Path, before: dict[str, bytes]) -> None:
    assert tree_bytes(site / "build") == before, "the previous output changed"
    result = build_site(site, "-j", "1")
    assert result.exit_code == 0, result.output
    assert leftovers(site) == []
    html = (site / "build/kelurahan/purwantoro/umkm/usaha-03/index.html").read_text(encoding="utf-8")
    assert "Usaha Nomor Tiga" in html


CACHE_MODES = {"full-swap": ("--no-cache",), "incremental": ()}


@pytest.mark.parametrize("mode", sorted(CACHE_MODES))
def test_exception_while_rendering_keeps_the_previous_output(built, monkeypatch, mode: str) -> None:
    site, before = built
    _change_content(site)
    real = build_module._render_one
    calls = {"n": 0}

    def crash_on_the_fifth_page(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("boom in the middle of rendering")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "_render_one", crash_on_the_fifth_page)
    result = build_site(site, "-j", "1", *CACHE_MODES[mode])
    assert result.exit_code != 0
    assert calls["n"] >= 5, "the fault must have happened mid-render"
    assert leftovers(site) == [], "a failed build must clean its own temp folder"
    monkeypatch.undo()
    _assert_recovers(site, before)


@pytest.mark.parametrize("mode", sorted(CACHE_MODES))
@pytest.mark.parametrize("after", [0, 7])
def test_full_disk_keeps_the_previous_output(built, monkeypatch, mode: str, after: int) -> None:
    site, before = built
    _change_content(site)
    real = OutputWriter.write_bytes
    calls = {"n": 0}

    def disk_full(self, relative: str, data: bytes) -> None:  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device", relative)
        real(self, relative, data)

    monkeypatch.setattr(OutputWriter, "write_bytes", disk_full)
    result = build_site(site, "-j", "1", *CACHE_MODES[mode])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "No space left on device" in result.output
    assert calls["n"] > after
    assert leftovers(site) == []
    monkeypatch.undo()
    _assert_recovers(site, before)


def test_disk_full_while_merging_an_incremental_build_rolls_back(built, monkeypatch) -> None:
    site, before = built
    _change_content(site)
    real = os.replace
    calls = {"n": 0}

    def replace_fails_once(src, dst):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 3:  # a few files already moved into build/
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr("kimsite.output.os.replace", replace_fails_once)
    result = build_site(site, "-j", "1")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert calls["n"] >= 3
    monkeypatch.undo()
    _assert_recovers(site, before)


def _cli(site: Path, *args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:  # noqa: ANN003
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "TZ", "LC_ALL", "LANG")}
    environment.update({"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **(env or {})})
    return subprocess.Popen([sys.executable, "-m", "kimsite", "build", str(site), "-j", "1", *args], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def _wait_for_own_temp_folder(site: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while (not any(str(process.pid) in name for name in leftovers(site)) and process.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.001)


@pytest.mark.parametrize("mode", sorted(CACHE_MODES))
def test_sigkill_during_a_build_keeps_the_previous_output(built, mode: str) -> None:
    site, before = built
    _change_content(site)
    page = site / "build/kelurahan/purwantoro/umkm/usaha-03/index.html"
    killed_mid_build = 0
    for delay in (0.0, 0.05, 0.2, 0.5, 1.0):
        process = _cli(site, *CACHE_MODES[mode])
        _wait_for_own_temp_folder(site, process)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_build += 1
        process.communicate(timeout=60)
        if tree_bytes(site / "build") != before:
            # Only a kill after the swap/merge finished may change build/, and then it is the new site;
            # or a kill inside the journaled merge, whose undo journal the next build rolls back (below).
            if not any(".kimsite-undo-" in name for name in leftovers(site)):
                assert "Usaha Nomor Tiga" in page.read_text("utf-8")
            break
    assert killed_mid_build >= 1, "the kill never landed during a build"
    # Whatever the kills left, the next build cleans it and produces the new site.
    process = _cli(site, *CACHE_MODES[mode])
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert leftovers(site) == []
    assert "Usaha Nomor Tiga" in page.read_text("utf-8")


def test_sigkill_right_after_the_temp_folder_appears_leaves_build_untouched(built) -> None:
    site, before = built
    _change_content(site)
    process = _cli(site, "--no-cache")
    _wait_for_own_temp_folder(site, process)
    assert process.poll() is None, "the build ended before a temp folder was seen"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert tree_bytes(site / "build") == before
    assert leftovers(site), "SIGKILL leaves the temp folder (nothing can clean up after it) ..."
    result = build_site(site, "-j", "1")
    assert result.exit_code == 0, result.output
    assert leftovers(site) == [], "... and the next build removes it"


@pytest.mark.parametrize("mode", sorted(CACHE_MODES))
def test_a_deleted_source_disappears_from_the_output(built, mode: str) -> None:
    site, _before = built
    (site / KEL / "umkm" / "usaha-05.md").unlink()
    (site / KEL / "berita" / "2026-11-01-rapat.md").unlink()
    result = build_site(site, "-j", "1", *CACHE_MODES[mode])
    assert result.exit_code == 0, result.output
    out = site / "build"
    assert not (out / "kelurahan/purwantoro/umkm/usaha-05").exists()
    assert not (out / "kelurahan/purwantoro/berita/rapat").exists()
    everything = b"".join(tree_bytes(out).values())
    assert b"usaha-05" not in everything and b"Usaha Nomor 5<" not in everything
    assert b"Rapat KIM November" not in everything
    fresh = make_site(site.parent / "fresh", SPEC + f"-- {KEL}/umkm/usaha-05.md -- (hapus)\n"
                      f"-- {KEL}/berita/2026-11-01-rapat.md -- (hapus)\n")
    assert build_site(fresh, "-j", "1", "--no-cache").exit_code == 0
    assert sorted(tree_bytes(out)) == sorted(tree_bytes(fresh / "build")), "same files as a clean build"


def _write_in_order(root: Path, files: dict[str, str | None], reverse: bool) -> Path:
    """The same site, its files created in the opposite order with different mtimes."""
    from sitetools import _tiny_png

    site = root / "site"
    items = sorted(files.items(), reverse=reverse)
    for index, (rel, text) in enumerate(items):
        if text is None:
            continue
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.strip() == "<png>":
            path.write_bytes(_tiny_png())
        else:
            path.write_text(text, encoding="utf-8")
        stamp = 1_700_000_000 + (index if reverse else -index) * 3600
        os.utime(path, (stamp, stamp))
    return site


def test_builds_on_different_machines_are_byte_identical(tmp_path: Path) -> None:
    from sitetools import BASE

    files = parse_spec(BASE)
    files.update(parse_spec(SPEC))
    first = _write_in_order(tmp_path / "a", files, reverse=False)
    second = _write_in_order(tmp_path / "b", files, reverse=True)
    runs = [
        (first, {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C"}),
        (second, {"PYTHONHASHSEED": "4242", "TZ": "America/Los_Angeles", "LC_ALL": "C.UTF-8"}),
    ]
    trees = []
    for site, env in runs:
        process = _cli(site, "--no-cache", env=env)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        trees.append(tree_bytes(site / "build"))
    assert sorted(trees[0]) == sorted(trees[1])
    different = [rel for rel in trees[0] if trees[0][rel] != trees[1][rel]]
    assert different == []
