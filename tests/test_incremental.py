"""Incremental and parallel builds give exactly the bytes of a clean full build.

Each test builds a small site (which fills `.kimsite-cache/`), changes one kind of input, builds
again incrementally, and compares the whole output tree with a clean build (`--no-cache`) of the
same sources into another folder. Also: a damaged cache is discarded with a note, `-j1` and `-j2`
give the same tree, `kimsite clean` removes only what kimsite made, and an interrupted incremental
commit is rolled back.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitetools import AGENDA_BAZAR, SOURCE_DATE_EPOCH, UMKM_TEMPLATE, build_site, make_site, page, tree_bytes

from kimsite import cache, output, parallel
from kimsite.build import BuildOptions, build
from kimsite.cli import main
from kimsite.theme import bundled_themes_dir

UMKM = UMKM_TEMPLATE
BODY = "Kopi tubruk dan kopi susu yang diseduh dengan biji dari lereng Arjuno, setiap pagi dan sore hari."
BERITA = """---
judul: Pelatihan kemasan untuk perajin keripik
tanggal: 2026-11-20
penulis: Tim KIM Uji
---
Perajin belajar membuat kemasan yang menarik, lalu mencoba menitipkan produk di
[Keripik Tempe Bu Sri](../umkm/keripik-tempe.md) dan toko oleh-oleh sekitar kampung.
"""
AGENDA = AGENDA_BAZAR
STATIC_CSS = "body { color: #123; }\n"


def _site(tmp_path: Path) -> Path:
    """The base test site plus a second UMKM, a berita that links to a UMKM, an agenda, a portal page,
    and a site theme that extends the bundled one with one template and one static file."""
    umkm_template = (bundled_themes_dir() / "default/templates/umkm.html").read_text(encoding="utf-8")
    site = make_site(tmp_path, f"""
-- content/kelurahan/purwantoro/umkm/kopi-darto.md --
{UMKM.format(nama="Kopi Pak Darto", body=BODY)}
-- content/kelurahan/purwantoro/umkm/jamu-bu-tin.md --
{UMKM.format(nama="Jamu Bu Tin", body="Jamu kunyit asam dan beras kencur segar, dibuat setiap pagi dari bahan pasar.")}
-- content/kelurahan/purwantoro/berita/2026-11-20-pelatihan-kemasan.md --
{BERITA}
-- content/kelurahan/purwantoro/agenda/2026-12-05-bazar.md --
{AGENDA}
-- content/halaman/tentang.md --
---
judul: Tentang
menu: true
---
Portal uji untuk kimsite.
-- themes/default/tema.yaml --
induk: default
-- themes/default/static/css/uji.css --
{STATIC_CSS}
""")
    (site / "themes/default/templates").mkdir(parents=True, exist_ok=True)
    (site / "themes/default/templates/umkm.html").write_text(umkm_template, encoding="utf-8")
    return site


def _full_build(site: Path, folder: Path) -> dict[str, bytes]:
    result = build_site(site, "-o", str(folder), "--no-cache")
    assert result.exit_code == 0, result.output
    return tree_bytes(folder)


def _png(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (480, 360), color).save(buffer, "PNG")
    return buffer.getvalue()


def _edit_content(site: Path) -> None:
    path = site / "content/kelurahan/purwantoro/umkm/kopi-darto.md"
    path.write_text(UMKM.format(nama="Kopi Arjuno Pak Darto", body=BODY + " Kini juga ada kopi jahe."),
                    encoding="utf-8")


def _feature_umkm(site: Path) -> None:
    """`unggulan: true` on one UMKM: the portal's home page lists it (`site.unggulan`)."""
    path = site / "content/kelurahan/purwantoro/umkm/jamu-bu-tin.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kategori: kuliner\n", "kategori: kuliner\nunggulan: true\n"), encoding="utf-8")


def _new_file(site: Path) -> None:
    (site / "content/kelurahan/purwantoro/umkm/batik-sari.md").write_text(
        UMKM.format(nama="Batik Sari", body="Batik tulis motif topeng Malangan, dikerjakan tangan di rumah."),
        encoding="utf-8")


def _delete_file(site: Path) -> None:
    (site / "content/kelurahan/purwantoro/umkm/jamu-bu-tin.md").unlink()


def _rename_file(site: Path) -> None:
    folder = site / "content/kelurahan/purwantoro/umkm"
    (folder / "jamu-bu-tin.md").rename(folder / "jamu-kunyit-bu-tin.md")


def _rename_linked_file(site: Path) -> None:
    """The berita links to keripik-tempe.md: rename the UMKM and fix the link, as a volunteer would."""
    folder = site / "content/kelurahan/purwantoro"
    (folder / "umkm/keripik-tempe.md").rename(folder / "umkm/keripik-tempe-sanan.md")
    berita = folder / "berita/2026-11-20-pelatihan-kemasan.md"
    berita.write_text(BERITA.replace("keripik-tempe.md", "keripik-tempe-sanan.md"), encoding="utf-8")


def _edit_template(site: Path) -> None:
    path = site / "themes/default/templates/umkm.html"
    text = path.read_text(encoding="utf-8")
    assert "{% block content %}" in text
    path.write_text(text.replace("{% block content %}", '{% block content %}<p class="uji">Diubah</p>', 1),
                    encoding="utf-8")


def _edit_theme_static(site: Path) -> None:
    (site / "themes/default/static/css/uji.css").write_text("body { color: #456; }\n", encoding="utf-8")


def _edit_site_yaml(site: Path) -> None:
    path = site / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Situs kecil untuk pengujian kimsite.",
                                                              "Situs uji yang deskripsinya diubah."),
                    encoding="utf-8")


def _edit_image(site: Path) -> None:
    (site / "content/kelurahan/purwantoro/umkm/keripik.png").write_bytes(_png((20, 160, 90)))


def _edit_region_list(site: Path) -> None:
    path = site / "data/wilayah.csv"
    path.write_text(path.read_text(encoding="utf-8") + "35.73.03.1002,Kedungkandang,Cemorokandang\n",
                    encoding="utf-8")


CHANGES = {
    "content-edit": _edit_content,
    "featured-flag": _feature_umkm,
    "new-file": _new_file,
    "deleted-file": _delete_file,
    "renamed-file": _rename_file,
    "renamed-linked-file": _rename_linked_file,
    "template-edit": _edit_template,
    "theme-static-edit": _edit_theme_static,
    "site-yaml-edit": _edit_site_yaml,
    "image-edit": _edit_image,
    "region-list-edit": _edit_region_list,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_incremental_build_after_a_change_equals_a_clean_build(tmp_path, change):
    site = _site(tmp_path)
    first = build_site(site)
    assert first.exit_code == 0, first.output
    assert (site / cache.CACHE_DIR / cache.CACHE_FILE).is_file()
    before = tree_bytes(site / "build")

    CHANGES[change](site)
    again = build_site(site)
    assert again.exit_code == 0, again.output
    incremental = tree_bytes(site / "build")
    assert incremental != before  # the change is visible in the output…
    assert incremental == _full_build(site, tmp_path / "full")  # …and gives exactly a clean build's bytes


def test_the_changes_show_where_expected(tmp_path):
    """Spot checks that the tests above compare outputs that really changed in the right places."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    _edit_content(site)
    _edit_template(site)
    assert build_site(site).exit_code == 0
    umkm = (site / "build/kelurahan/purwantoro/umkm/kopi-darto/index.html").read_text(encoding="utf-8")
    assert "Kopi Arjuno Pak Darto" in umkm and "kopi jahe" in umkm and 'class="uji"' in umkm
    listing = (site / "build/kelurahan/purwantoro/umkm/index.html").read_text(encoding="utf-8")
    assert "Kopi Arjuno Pak Darto" in listing  # a list page that shows the UMKM was rendered again
    _delete_file(site)
    assert build_site(site).exit_code == 0
    assert not (site / "build/kelurahan/purwantoro/umkm/jamu-bu-tin").exists()


def _featured_on_home(site: Path) -> list[str] | None:
    heading = page(site, "/").find(id="unggulan")
    return None if heading is None else [a.get_text(strip=True) for a in heading.parent.select(".cards h3 a")]


def test_the_portal_home_page_follows_the_featured_flag(tmp_path):
    """A portal (two kelurahan with a site) lists `unggulan: true` UMKM on its home page from
    `site.unggulan`; setting the flag, and deleting the UMKM, each rebuild it like a clean build."""
    site = _site(tmp_path)
    kauman = site / "content/kelurahan/kauman/_index.md"
    kauman.parent.mkdir(parents=True)
    kauman.write_text('---\nkode: "35.73.02.1001"\ndeskripsi: Kelurahan uji di Kecamatan Klojen.\n'
                      'kim:\n  ada: false\n---\nProfil Kauman.\n', encoding="utf-8")
    assert build_site(site).exit_code == 0
    assert page(site, "/").find(class_="hero") is not None  # the portal's home page, not a kelurahan's
    assert _featured_on_home(site) is None
    _feature_umkm(site)
    assert build_site(site).exit_code == 0
    assert _featured_on_home(site) == ["Jamu Bu Tin"]
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")
    _delete_file(site)
    assert build_site(site).exit_code == 0
    assert _featured_on_home(site) is None
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full-2")


def _api_build(site: Path, monkeypatch, **kwargs) -> object:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    return build(BuildOptions(site_dir=site, **kwargs))


def test_a_rebuild_without_changes_writes_nothing_and_one_edit_writes_little(tmp_path, monkeypatch):
    site = _site(tmp_path)
    first = _api_build(site, monkeypatch)
    page = site / "build/kelurahan/purwantoro/umkm/jamu-bu-tin/index.html"
    inode = page.stat().st_ino
    again = _api_build(site, monkeypatch)
    assert again.written == 0 and again.files == first.files
    assert page.stat().st_ino == inode  # untouched, not rewritten
    _edit_content(site)
    edited = _api_build(site, monkeypatch)
    assert 0 < edited.written < first.files // 2
    assert page.stat().st_ino == inode  # a page that does not show the edited UMKM was not rewritten


def test_an_output_file_changed_by_hand_is_rebuilt(tmp_path):
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    target = site / "build/kelurahan/purwantoro/umkm/kopi-darto/index.html"
    target.write_text("dirusak", encoding="utf-8")
    (site / "build/sampah.txt").write_text("bukan dari kimsite", encoding="utf-8")
    assert build_site(site).exit_code == 0
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped-byte", "other-version", "wrong-checksum"])
def test_a_damaged_cache_is_discarded_with_a_note(tmp_path, damage):
    """"wrong-checksum": every byte of the contents unpickles as before, only the sum in the header
    differs (the file is unpickled as it is read, and its sum compared only at the end)."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    path = site / cache.CACHE_DIR / cache.CACHE_FILE
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00not a cache at all" * 10)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "wrong-checksum":
        header_end = data.index(b"\n", len(cache.MAGIC))
        path.write_bytes(data[:header_end - 8] + b"deadbeef" + data[header_end:])
        assert path.read_bytes() != data
    elif damage == "flipped-byte":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:
        path.write_bytes(data.replace(b" 0.", b" 99.", 1) if b" 0." in data else data.replace(b"KIMSITE", b"KIMSITF"))
    _edit_content(site)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert "cache build `.kimsite-cache/build.cache` rusak atau dibuat versi lain" in result.output
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")
    # the damaged file was replaced by a good one: the next build has no note
    assert "rusak" not in build_site(site).output


@pytest.mark.parametrize("parent_first", [False, True])
def test_workers_give_the_same_bytes_as_one_process(tmp_path, monkeypatch, parent_first):
    """With workers the parent renders the site-wide pages: between collecting results, or, on a site
    of `PARENT_FIRST_ROUTES` pages or more, all of them before it forks. Either way the bytes and the
    messages are those of one process."""
    from kimsite import build as build_module

    if not parallel._can_fork():
        pytest.skip("no fork here (or other threads running): builds stay in-process")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # use the pool even for this small site
    if parent_first:
        monkeypatch.setattr(build_module, "PARENT_FIRST_ROUTES", 1)
    rendered_here: list[str] = []  # pages this process rendered (a worker's list is its own copy)
    real_render = build_module._render_one

    def noting_render(env, theme, config, model, route):  # noqa: ANN001, ANN202
        rendered_here.append(route.url)
        return real_render(env, theme, config, model, route)

    monkeypatch.setattr(build_module, "_render_one", noting_render)
    forked: list[int] = []  # at each fork: how many pages this process had rendered
    real_pool = parallel.multiprocessing.get_context("fork").Pool

    def counting_pool(*args, **kwargs):
        forked.append(len(rendered_here))
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(parallel.multiprocessing.get_context("fork"), "Pool", counting_pool)
    site = _site(tmp_path)
    one = build_site(site, "-o", str(tmp_path / "j1"), "-j1", "--no-cache")
    assert one.exit_code == 0, one.output
    assert forked == []
    rendered_here.clear()
    two = build_site(site, "-o", str(tmp_path / "j2"), "-j2", "--no-cache")
    assert two.exit_code == 0, two.output
    assert len(forked) == 2  # parse + Markdown, then templates
    site_wide = {"/umkm/", "/berita/", "/statistik/", "/cari/"}
    assert site_wide <= set(rendered_here) and "/kelurahan/purwantoro/" not in rendered_here
    assert forked[1] == (len(rendered_here) if parent_first else 0)
    assert tree_bytes(tmp_path / "j1") == tree_bytes(tmp_path / "j2")
    assert one.output.splitlines()[:-1] == two.output.splitlines()[:-1]  # same warnings, same order


def _worker_pid(index: int) -> tuple[int, int]:
    return index, os.getpid()


@pytest.mark.parametrize(("cap", "most"), [(None, 16), (2, 4)])
def test_workers_are_replaced_but_not_forked_without_bound(monkeypatch, cap, most):
    """Replacing workers keeps their memory small; each fork also costs time in proportion to the
    parent's size, so a phase forks each worker slot at most MAX_FORKS_PER_SLOT times."""
    if not parallel._can_fork():
        pytest.skip("no fork on this platform")
    if cap is not None:
        monkeypatch.setattr(parallel, "MAX_FORKS_PER_SLOT", cap)
    results = list(parallel.stream(_worker_pid, 2000, 2, chunks_per_worker=1))  # 16 chunks of 125
    assert [index for index, _pid in results] == list(range(2000))
    forks = len({pid for _index, pid in results} - {os.getpid()})
    # Each worker takes up to its quota of chunks from a shared queue; at the end the last two may
    # share the remainder, so one replacement more can get work than the quotas alone would need.
    assert most <= forks <= most + (1 if cap is not None else 0)


@pytest.mark.parametrize("parent_first", [False, True])
def test_a_template_error_in_a_site_wide_list_is_reported_alike_with_workers(tmp_path, monkeypatch, parent_first):
    """With workers, the parent renders the site-wide lists itself and collects results as they come;
    the first template problem reported is still the one a single process meets first."""
    from kimsite import build as build_module

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    if parent_first:
        monkeypatch.setattr(build_module, "PARENT_FIRST_ROUTES", 1)
    site = _site(tmp_path)
    (site / "themes/default/templates/umkm_daftar.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ site.tidak_ada.sama_sekali }}{% endblock %}\n',
        encoding="utf-8")
    one = build_site(site, "-j1")
    two = build_site(site, "-j2")
    assert one.exit_code == two.exit_code == 1
    assert "umkm_daftar.html" in two.output
    assert one.output == two.output


def test_a_build_failing_after_parsing_keeps_the_old_cache_and_leaves_no_temp_file(tmp_path):
    """A command-line build writes the sources table of its cache file as soon as parsing is done
    (kimsite.cache.CacheSave); when the build then fails, that half-written file is removed and the
    cache of the last good build stays as it was; the next build reads it without a note."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    cache_dir = site / cache.CACHE_DIR
    before = (cache_dir / cache.CACHE_FILE).read_bytes()
    _edit_content(site)
    lists = site / "themes/default/templates/umkm_daftar.html"
    lists.write_text('{% extends "base.html" %}{% block content %}{{ site.tidak_ada.sama_sekali }}{% endblock %}\n',
                     encoding="utf-8")
    failed = build_site(site)
    assert failed.exit_code == 1 and "umkm_daftar.html" in failed.output
    assert (cache_dir / cache.CACHE_FILE).read_bytes() == before
    assert sorted(p.name for p in cache_dir.iterdir() if ".tmp-" in p.name) == []
    lists.unlink()
    result = build_site(site)
    assert result.exit_code == 0 and "dibuang" not in result.output
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")
    saved, note = cache.load(site)
    assert note is None and "content/kelurahan/purwantoro/umkm/kopi-darto.md" in saved.sources


def test_a_cache_write_failing_while_parsing_loses_only_the_save(tmp_path, monkeypatch):
    """The sources table is written chunk by chunk while the build parses. A write that fails there
    (a full disk) is not a build error: the site is built right, the old cache stays as it was with no
    temp file beside it, and the next build, with room again, saves a cache it then trusts."""
    monkeypatch.setattr(cache, "_CHUNK", 2)
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    cache_dir = site / cache.CACHE_DIR
    before = (cache_dir / cache.CACHE_FILE).read_bytes()
    _edit_content(site)
    real_dump, dumps = cache._dump_paused, []

    def full_disk(value, stream):  # noqa: ANN001, ANN202
        dumps.append(value)
        if len(dumps) == 3:  # the header's list of sections, a first chunk of sources, then the second
            raise OSError(28, "No space left on device")
        real_dump(value, stream)

    monkeypatch.setattr(cache, "_dump_paused", full_disk)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert len(dumps) == 3  # nothing more was tried
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")
    assert (cache_dir / cache.CACHE_FILE).read_bytes() == before
    assert sorted(p.name for p in cache_dir.iterdir() if ".tmp-" in p.name) == []
    monkeypatch.setattr(cache, "_dump_paused", real_dump)
    assert build_site(site).exit_code == 0
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full-again")
    saved, note = cache.load(site)
    assert note is None and "content/kelurahan/purwantoro/umkm/kopi-darto.md" in saved.sources


def test_a_killed_builds_temp_cache_file_is_removed_by_the_next_build(tmp_path):
    """A build killed while it writes its cache leaves `build.cache.tmp-PID`; the next build removes
    it when that process is gone, and leaves the temp file of a build that is still running."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    cache_dir = site / cache.CACHE_DIR
    orphan = cache_dir / f"{cache.CACHE_FILE}.tmp-{gone.stdout.strip()}"
    running = cache_dir / f"{cache.CACHE_FILE}.tmp-{os.getppid()}"  # a live process: another build
    orphan.write_bytes(b"half a cache")
    running.write_bytes(b"being written")
    _edit_content(site)
    assert build_site(site).exit_code == 0
    assert not orphan.exists()
    assert running.read_bytes() == b"being written"


def test_errors_found_by_workers_are_reported_like_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    site = _site(tmp_path)
    (site / "content/kelurahan/purwantoro/umkm/rusak.md").write_text(
        UMKM.format(nama="Rusak", body=BODY).replace("kuliner", "kulner"), encoding="utf-8")
    one = build_site(site, "-j1")
    two = build_site(site, "-j2")
    assert one.exit_code == two.exit_code == 1
    assert "content/kelurahan/purwantoro/umkm/rusak.md:3:" in two.output
    assert one.output == two.output


def _clean(*args: str) -> str:
    result = CliRunner().invoke(main, ["clean", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_clean_removes_the_output_and_the_cache_and_nothing_else(tmp_path):
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    sources = {p for p in site.rglob("*") if "build" not in p.parts and cache.CACHE_DIR not in p.parts}
    _clean(str(site))
    assert not (site / "build").exists() and not (site / cache.CACHE_DIR).exists()
    assert {p for p in site.rglob("*")} == sources
    assert "tidak ada yang perlu dihapus" in _clean(str(site))


def test_clean_leaves_a_folder_kimsite_did_not_make(tmp_path):
    site = _site(tmp_path)
    foreign = tmp_path / "milik-orang"
    foreign.mkdir()
    (foreign / "penting.txt").write_text("jangan dihapus", encoding="utf-8")
    out = _clean(str(site), "-o", str(foreign))
    assert (foreign / "penting.txt").read_text(encoding="utf-8") == "jangan dihapus"
    assert "bukan keluaran kimsite" in out


def test_an_interrupted_incremental_commit_is_rolled_back(tmp_path, monkeypatch):
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    before = tree_bytes(site / "build")
    _edit_content(site)
    _delete_file(site)
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # some files already moved in, some old ones already set aside
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", failing_replace)
    result = build_site(site)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert len(calls) >= 4
    monkeypatch.setattr(output.os, "replace", real_replace)
    assert tree_bytes(site / "build") == before
    assert sorted(p.name for p in site.iterdir() if ".kimsite-" in p.name and p.name != cache.CACHE_DIR) == []
    assert build_site(site).exit_code == 0
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_a_commit_killed_midway_is_rolled_back_by_the_next_build(tmp_path):
    """A journal left by a killed build (moved files, undo folder) is undone before anything else."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    out = site / "build"
    before = tree_bytes(out)
    undo = site / ".build.kimsite-undo-99999"
    (undo / "files/kelurahan/purwantoro/umkm/kopi-darto").mkdir(parents=True)
    moved = "kelurahan/purwantoro/umkm/kopi-darto/index.html"
    os.replace(out / moved, undo / "files" / moved)
    (out / moved).write_text("setengah jadi", encoding="utf-8")
    (out / "baru.html").write_text("baru", encoding="utf-8")
    (undo / "journal").write_text(f"W+\t{moved}\nW0\tbaru.html\n", encoding="utf-8")
    output.OutputWriter(out).recover()
    assert tree_bytes(out) == before
    assert not undo.exists()


def test_the_progress_bar_draws_only_on_a_terminal_after_its_delay():
    from kimsite.progress import ProgressBar

    quiet = io.StringIO()
    ProgressBar(quiet)("halaman", 5, 10)  # a StringIO is no terminal
    assert quiet.getvalue() == ""
    early = io.StringIO()
    ProgressBar(early, enabled=True, delay=3600)("halaman", 5, 10)  # a short build never shows it
    assert early.getvalue() == ""
    shown = io.StringIO()
    bar = ProgressBar(shown, enabled=True, delay=0)
    bar("halaman", 1234, 2000)
    assert "halaman 1.234/2.000" in shown.getvalue()
    bar.close()
    assert shown.getvalue().endswith("\r\x1b[K")  # the line is cleared before the summary


def test_the_summary_line_counts_pages_and_images(tmp_path):
    result = build_site(_site(tmp_path))
    assert result.exit_code == 0
    summary = result.lines()[-1]
    assert " halaman, " in summary and " gambar, " in summary and summary.split(" gambar")[0].split()[-1] != "0"


def test_time_passing_an_agenda_end_is_a_change_even_when_no_file_changed(tmp_path):
    """Same day, no file touched, but the agenda (08:00 WIB) is over between the two builds."""
    site = _site(tmp_path)
    before_start = "1796428800"  # 2026-12-05 07:00 WIB
    after_start = "1796436000"  # 2026-12-05 09:00 WIB
    assert build_site(site, env={"SOURCE_DATE_EPOCH": before_start}).exit_code == 0
    earlier = tree_bytes(site / "build")
    assert build_site(site, env={"SOURCE_DATE_EPOCH": after_start}).exit_code == 0
    later = tree_bytes(site / "build")
    assert later != earlier
    full = build_site(site, "-o", str(tmp_path / "full"), "--no-cache", env={"SOURCE_DATE_EPOCH": after_start})
    assert full.exit_code == 0
    assert later == tree_bytes(tmp_path / "full")
    # and a rebuild a little later on the same side of every agenda's end is the no-change fast path
    assert build_site(site, env={"SOURCE_DATE_EPOCH": str(int(after_start) + 60)}).exit_code == 0
    assert tree_bytes(site / "build") == later


def test_an_old_build_folder_beside_the_site_is_not_an_input(tmp_path, monkeypatch):
    """Building with `-o elsewhere` must not sign every file of an old `build/` (the no-change path
    would stat thousands of files for nothing, and any change there would force a full build)."""
    site = _site(tmp_path)
    _api_build(site, monkeypatch)  # the old build/ inside the site folder
    elsewhere = tmp_path / "elsewhere"
    _api_build(site, monkeypatch, out_dir=elsewhere)
    (site / "build/kelurahan/purwantoro/umkm/jamu-bu-tin/index.html").write_text("diubah", encoding="utf-8")
    again = _api_build(site, monkeypatch, out_dir=elsewhere)
    assert again.model is None and again.written == 0  # the no-change fast path: nothing was read


def test_a_wilayah_file_inside_an_output_folder_is_still_an_input(tmp_path, monkeypatch):
    site = _site(tmp_path)
    _api_build(site, monkeypatch)
    config = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "build/wilayah.csv").write_bytes((site / "data/wilayah.csv").read_bytes())
    (site / "site.yaml").write_text(config.replace("wilayah: data/wilayah.csv", "")
                                    + "\nwilayah: build/wilayah.csv\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    _api_build(site, monkeypatch, out_dir=elsewhere)
    rows = (site / "build/wilayah.csv").read_text(encoding="utf-8").replace("Purwantoro", "Purwantoro Baru")
    (site / "build/wilayah.csv").write_text(rows, encoding="utf-8")
    again = _api_build(site, monkeypatch, out_dir=elsewhere)
    assert again.model is not None
    assert any(b"Purwantoro Baru" in data for data in tree_bytes(elsewhere).values())


def _count_cache_loads(monkeypatch) -> list[int]:
    loads: list[int] = []
    real_load = cache.load

    def counting_load(site_dir):
        loads.append(1)
        return real_load(site_dir)

    monkeypatch.setattr(cache, "load", counting_load)
    return loads


def test_a_no_change_rebuild_reads_the_small_record_not_the_cache(tmp_path, monkeypatch):
    site = _site(tmp_path)
    first = _api_build(site, monkeypatch)
    assert (site / cache.CACHE_DIR / cache.RECORD_FILE).is_file()
    loads = _count_cache_loads(monkeypatch)
    again = _api_build(site, monkeypatch)
    assert again.model is None and again.written == 0 and again.files == first.files
    assert loads == []  # decided from the record alone
    _edit_content(site)
    edited = _api_build(site, monkeypatch)
    assert edited.model is not None and edited.written > 0 and loads == [1]
    assert _api_build(site, monkeypatch).model is None and loads == [1]  # the record was written again
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_a_record_is_not_trusted_once_the_cache_beside_it_changed(tmp_path):
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    path = site / cache.CACHE_DIR / cache.CACHE_FILE
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    result = build_site(site)  # no input changed, but the cache did: it is read, and found damaged
    assert result.exit_code == 0, result.output
    assert "rusak atau dibuat versi lain" in result.output
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "removed"])
def test_a_damaged_record_is_ignored_and_the_cache_decides(tmp_path, monkeypatch, damage):
    site = _site(tmp_path)
    _api_build(site, monkeypatch)
    record = site / cache.CACHE_DIR / cache.RECORD_FILE
    if damage == "garbage":
        record.write_bytes(b"KIMSITE-CACHE\nbukan")
    elif damage == "truncated":
        record.write_bytes(record.read_bytes()[:100])
    else:
        record.unlink()
    loads = _count_cache_loads(monkeypatch)
    again = _api_build(site, monkeypatch)
    assert again.model is None and again.written == 0 and not again.notes  # still the fast path, no note
    assert loads == [1]


@pytest.mark.parametrize("jobs", ["-j1", "-j2"])
def test_search_entries_are_made_where_their_pages_render(tmp_path, monkeypatch, jobs):
    """A UMKM's or berita's search entry is made with its page (in the worker), and the index in the
    parent only joins them: the parent's own pass over the pages makes none of them."""
    import json

    from kimsite import search

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    made_in_parent: list[str] = []
    real_umkm_entry, real_berita_entry = search.umkm_entry, search.berita_entry
    monkeypatch.setattr(search, "umkm_entry", lambda site, u: made_in_parent.append(u.url) or real_umkm_entry(site, u))
    monkeypatch.setattr(search, "berita_entry",
                        lambda site, b: made_in_parent.append(b.url) or real_berita_entry(site, b))
    site = _site(tmp_path)
    result = build_site(site, jobs, "--no-cache")
    assert result.exit_code == 0, result.output
    assert made_in_parent == []
    index = json.loads((site / "build/cari/indeks.json").read_text(encoding="utf-8"))
    kinds = {kind for _url, _title, kind, _meta, _text in index}
    assert [title for _url, title, kind, _meta, _text in index if kind == "umkm"] == [
        "Jamu Bu Tin", "Keripik Tempe Bu Sri", "Kopi Pak Darto"]
    assert kinds == {"umkm", "berita"}  # one kelurahan with a site: a microsite has no kelurahan entries


def _first_table_bytes(path: Path) -> list[bytes]:
    """The pickled chunks of a cache file's first big table (the sources), up to its closing None."""
    import pickle

    data = path.read_bytes()
    stream = io.BytesIO(data)
    stream.seek(len(cache._header()) + 33)  # the header line and its checksum
    pickle.load(stream)  # the list of sections
    found: list[bytes] = []
    while True:
        start = stream.tell()
        value = pickle.load(stream)
        found.append(data[start:stream.tell()])
        if value is None:
            return found


@pytest.mark.parametrize("chunk", [None, 2])
def test_the_cache_file_gives_back_every_table_it_was_saved_with(tmp_path, monkeypatch, chunk):
    """The cache is saved table by table, in chunks (each with its own pickler, to bound the save's
    memory): loading it gives back the same tables, in the same order, including strings that several
    tables share. With chunks of 2 entries every big table spans several chunks. The sources table,
    written entry by entry while the build parses, has the same bytes as one written whole."""
    if chunk is not None:
        monkeypatch.setattr(cache, "_CHUNK", chunk)
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    saved, note = cache.load(site)
    assert note is None and saved.outputs and saved.sources and saved.facts and saved.parts
    assert len(saved.outputs) > 2 * (chunk or 1)
    streamed = _first_table_bytes(cache.cache_path(site))  # the build wrote its sources table while parsing
    assert len(streamed) == -(-len(saved.sources) // (chunk or cache._CHUNK)) + 1  # its chunks, then None
    cache.save(site, saved)
    assert _first_table_bytes(cache.cache_path(site)) == streamed  # the same bytes as one written whole
    again, note = cache.load(site)
    assert note is None
    for name in ("sources", "outputs", "facts", "parts", "budgets", "memo", "snapshot", "copy_digests", "out_dir"):
        assert getattr(again, name) == getattr(saved, name), name
    assert list(again.outputs) == list(saved.outputs)
    shared = next(iter(saved.facts))
    assert any(shared in entry.deps for entry in again.outputs.values())


def test_progress_counts_every_page_once_when_the_parent_renders_some(tmp_path, monkeypatch):
    """With workers the parent renders the site-wide lists itself: the page counter still rises to
    exactly the number of pages rendered, never past it, and ends there."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = _site(tmp_path)
    ticks: list[tuple[int, int]] = []
    result = build(BuildOptions(site_dir=site, jobs=2, use_cache=False),
                   ticker=lambda phase, done, total: ticks.append((done, total)) if phase == "halaman" else None)
    assert ticks and ticks[-1] == (result.pages, result.pages)
    assert all(total == result.pages and 0 <= done <= total for done, total in ticks)
    assert [done for done, _total in ticks] == sorted(done for done, _total in ticks)


def _count_calls(monkeypatch, name: str, module: object = cache.pickle) -> list[int]:  # noqa: ANN001
    """A list that gets a 1 for every call of `<module>.<name>` (as the cache module calls it: `pickle.load`,
    or with module=cache, the cache's own functions)."""
    calls: list[int] = []
    real = getattr(module, name)

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_a_cache_of_other_kimsite_code_is_dropped_before_its_tables_are_read(tmp_path, monkeypatch):
    """After an upgrade the old cache is of no use: its tables are not unpickled at all (read and then
    thrown away, they left the build that followed ~200 MB bigger at 100,000 pages). Silently: no note."""
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    loads = _count_calls(monkeypatch, "load")
    kept, note = cache.load(site)
    assert note is None and kept.outputs and len(loads) > 2  # this code's cache: every table is read
    monkeypatch.setattr(cache, "code_key", lambda: "other kimsite code")
    loads.clear()
    dropped, note = cache.load(site)
    assert note is None and not dropped.outputs and not dropped.sources and dropped.code == "other kimsite code"
    assert loads == [1]  # only the list of sections, which names the code
    monkeypatch.undo()
    _edit_content(site)
    result = build_site(site)  # the real code after "an upgrade": the cache is this code's again
    assert result.exit_code == 0 and "rusak" not in result.output
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_the_loaded_sources_table_is_unpickled_a_chunk_at_a_time(tmp_path, monkeypatch):
    """The sources table of a loaded cache stays in bytes until an entry is asked for; then only that
    entry's chunk is unpickled, and popped entries are let go. Entries are those that were saved, and
    an edit rebuild from such a table gives the bytes of a full build."""
    monkeypatch.setattr(cache, "_CHUNK", 2)
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    whole = dict(cache.load(site)[0].sources)  # every chunk unpickled
    table, note = cache.load(site)
    assert note is None and isinstance(table.sources, cache.LazyTable)
    lazy = table.sources
    keys = list(lazy)
    assert keys == list(whole) and len(keys) >= 5
    unpickled = _count_calls(monkeypatch, "loads")
    assert lazy.pop(keys[0]) == whole[keys[0]] and len(unpickled) == 1
    assert lazy.pop(keys[1]) == whole[keys[1]] and len(unpickled) == 1  # the same chunk
    assert lazy.get(keys[4]) == whole[keys[4]] and len(unpickled) == 2  # only the third chunk
    assert lazy.pop(keys[0]) is None and keys[0] not in lazy and len(lazy) == len(keys) - 2
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_CHUNK", 2)
    _edit_content(site)
    assert build_site(site).exit_code == 0
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_a_loaded_cache_keeps_one_string_for_each_fact_name(tmp_path, monkeypatch):
    """Each chunk of the outputs and parts tables is pickled on its own, with its own copy of every
    fact name its entries depend on; loaded, on a large site, they all share the facts table's one
    string per name."""
    monkeypatch.setattr(cache, "_CHUNK", 2)
    site = _site(tmp_path)
    assert build_site(site).exit_code == 0
    small, note = cache.load(site)  # a small site: the copies are kept (see SHARE_NAMES_FROM)
    assert note is None and len(small.facts) < cache.SHARE_NAMES_FROM
    assert len({id(dep) for entry in small.outputs.values() for dep in entry.deps}) > len(small.facts)
    monkeypatch.setattr(cache, "SHARE_NAMES_FROM", 1)
    loaded, note = cache.load(site)
    assert note is None
    names = {name: name for name in loaded.facts}
    deps = [dep for entry in loaded.outputs.values() for dep in entry.deps]
    deps += [dep for part_deps, _value in loaded.parts.values() for dep in part_deps]
    assert len(deps) > 2 * len(names) and all(dep in names for dep in deps)
    assert all(dep is names[dep] for dep in deps)
    assert len({id(dep) for dep in deps}) <= len(names)


def test_the_search_index_is_not_held_in_memory_once_the_cache_has_filed_it(tmp_path, monkeypatch):
    """Made in the parent, the search index is written (or kept) by the build cache as it is made; the
    build does not hold its bytes too (~70 MB at 100,000 pages) while it checks the page budgets.
    Read back, it is the file in the output folder, which names the edited UMKM after an edit."""
    from kimsite.search import INDEX_FILE

    site = _site(tmp_path)
    for edit in (False, True):
        if edit:
            _edit_content(site)
        result = _api_build(site, monkeypatch)
        assert result.rendered.held()[INDEX_FILE] in ("tmp", "out")
        on_disk = (site / "build" / INDEX_FILE).read_bytes()
        assert result.rendered[INDEX_FILE] == on_disk
        assert (b"Kopi Arjuno Pak Darto" in on_disk) == edit
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_the_search_index_is_written_from_its_pieces_and_kept_by_its_digest(tmp_path, monkeypatch):
    """A disk build writes the search index from its entries one after the other, never joined into one
    object (~45 MB at 100,000 pages, at the peak of an edit rebuild), and an unchanged index is kept
    after its file's digest, read a block at a time, matches. The file is a full build's either way."""
    import json

    from kimsite.search import INDEX_FILE

    written: list[tuple[str, int]] = []
    write_pieces = output.OutputWriter.write_pieces

    def spy(self, relative: str, pieces: list[bytes]) -> None:  # noqa: ANN001
        assert isinstance(pieces, list) and all(type(piece) is bytes for piece in pieces)
        written.append((relative, len(pieces)))
        write_pieces(self, relative, pieces)

    monkeypatch.setattr(output.OutputWriter, "write_pieces", spy)
    digests = _count_calls(monkeypatch, "file_digest", cache)
    site = _site(tmp_path)
    _api_build(site, monkeypatch)
    entries = json.loads((site / "build" / INDEX_FILE).read_text(encoding="utf-8"))
    assert written == [(INDEX_FILE, 2 * len(entries) + 1)] and len(entries) > 3  # `[`, each entry and its comma
    _edit_content(site)
    _api_build(site, monkeypatch)
    assert len(written) == 2 and digests == []
    assert b"Kopi Arjuno Pak Darto" in (site / "build" / INDEX_FILE).read_bytes()
    index_inode = (site / "build" / INDEX_FILE).stat().st_ino
    _edit_template(site)  # the UMKM pages change; the index reads no template
    _api_build(site, monkeypatch)
    assert len(written) == 2 and len(digests) == 1  # kept, after its digest matched
    assert (site / "build" / INDEX_FILE).stat().st_ino == index_inode
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


def test_digests_of_pieces_and_of_files_are_the_digest_of_the_bytes(tmp_path):
    pieces = [b"[", "\u00e9ntri".encode(), b",", b"x" * (3 << 20), b"]"]
    path = tmp_path / "berkas.json"
    path.write_bytes(b"".join(pieces))
    assert cache.digest_of_pieces(pieces) == cache.file_digest(path) == cache.digest(b"".join(pieces))
    assert cache.digest_of_pieces([]) == cache.digest(b"")
    assert cache.file_digest(tmp_path / "tidak-ada.json") is None


def test_outputs_kept_by_an_edit_rebuild_keep_their_route_keys(tmp_path, monkeypatch):
    """A kept output's route key is not held a second time while the build runs; its cache entry still
    has it, so the next edit rebuild keeps the page again instead of rendering it."""
    site = _site(tmp_path)
    _api_build(site, monkeypatch, jobs=1)
    first, _ = cache.load(site)
    renders: list[str] = []
    store_rendered = cache.OutputPlan.store_rendered

    def counting(self, rel: str, data: bytes, keys):  # noqa: ANN001, ANN202
        renders.append(rel)
        return store_rendered(self, rel, data, keys)

    monkeypatch.setattr(cache.OutputPlan, "store_rendered", counting)
    for word in ("jahe", "rempah"):
        path = site / "content/kelurahan/purwantoro/umkm/kopi-darto.md"
        path.write_text(UMKM.format(nama="Kopi Arjuno Pak Darto", body=f"{BODY} Kini juga ada kopi {word}."),
                        encoding="utf-8")
        renders.clear()
        _api_build(site, monkeypatch, jobs=1)
        second, _ = cache.load(site)
        kept = [rel for rel, entry in first.outputs.items()  # rendered pages, not copies
                if entry.key and not entry.key.startswith("copy:") and rel not in renders]
        assert len(kept) > 2 * len(renders) > 0
        assert all(second.outputs[rel].key == first.outputs[rel].key for rel in kept)
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")


@pytest.mark.parametrize("edit", [False, True])
def test_what_parsing_gave_is_let_go_page_by_page(tmp_path, monkeypatch, edit):
    """Each source's parse result (besides its page) is let go as soon as its page is taken from it, in
    a cold build and in an edit rebuild made from the cache: kept to the end of parsing, they left
    holes that the rest of the build never filled (~135 MB at 100,000 pages). The pages keep the
    discovered Source objects, and diagnostics keep their order (see the workers' test above)."""
    import weakref

    site = _site(tmp_path)
    if edit:
        assert build_site(site).exit_code == 0
        _edit_content(site)
    alive: list[weakref.ref] = []
    most = [0]
    calls = [0]
    unpack = cache.unpack

    def watched(blob: bytes, body: bytes = b""):  # noqa: ANN202
        parsed = unpack(blob, body)
        alive[:] = [ref for ref in alive if ref() is not None]
        most[0] = max(most[0], len(alive))
        alive.append(weakref.ref(parsed))
        calls[0] += 1
        return parsed

    monkeypatch.setattr(cache, "unpack", watched)
    from kimsite import build as build_module

    sources: list = []
    read_sources = build_module._read_sources

    def reading(site_dir, discovery, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        sources.extend(discovery.sources)
        return read_sources(site_dir, discovery, *args, **kwargs)

    monkeypatch.setattr(build_module, "_read_sources", reading)
    result = _api_build(site, monkeypatch, jobs=1)
    assert calls[0] >= 7 and most[0] <= 1
    model = result.model
    pages = [*model.umkm, *model.berita, *model.agenda, *model.halaman]
    discovered = {id(source) for source in sources}
    assert pages and all(id(p.source) in discovered for p in pages)
    assert tree_bytes(site / "build") == _full_build(site, tmp_path / "full")
