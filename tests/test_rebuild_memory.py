"""What rebuilds remember besides the build cache: compiled templates, image checks, the parsed pages the
preview server keeps in memory, and the short quiet wait after a finished save. Each must never make a
rebuild differ from a clean build."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

from sitetools import SOURCE_DATE_EPOCH, build_site, make_site, tree_bytes

from kimsite import cache
from kimsite.build import BuildOptions, KeptBuild, build
from kimsite.errors import KimsiteError
from kimsite.server import ServeOptions, Server

UMKM_MD = "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
PHOTO_UMKM = """
-- content/kelurahan/purwantoro/umkm/sambal/index.md --
---
nama: Sambal Bu Rini
kategori: kuliner
kontak:
  whatsapp: "081234567890"
foto:
  - src: foto.png
    alt: Botol sambal di meja
diperbarui: 2026-10-01
---
Sambal bawang dalam botol. Di dapur:

![Dapur sambal](dapur.png)
-- content/kelurahan/purwantoro/umkm/sambal/foto.png --
<png>
-- content/kelurahan/purwantoro/umkm/sambal/dapur.png --
<png>
"""


def _png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_compiled_templates_follow_a_template_edit_and_survive_a_damaged_entry(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    jinja_dir = site / cache.CACHE_DIR / "jinja"
    entries = [p for p in jinja_dir.rglob("*") if p.is_file()]
    assert entries, "compiled templates are remembered on disk"
    for entry in entries:  # damage every compiled template: each is compiled again
        entry.write_bytes(b"j2\x00garbage" * 3)
    (site / "themes/default/templates").mkdir(parents=True)
    (site / "themes/default/tema.yaml").write_text("induk: default\n", encoding="utf-8")
    (site / "themes/default/templates/404.html").write_text(
        '{% extends "base.html" %}{% block title %}Tidak ada{% endblock %}'
        "{% block content %}<h1>Halaman baru 404</h1>{% endblock %}\n", encoding="utf-8")
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert "Halaman baru 404" in (site / "build/404.html").read_text(encoding="utf-8")
    clean = build_site(site, "-o", str(tmp_path / "bersih"), "--no-cache")
    assert clean.exit_code == 0, clean.output
    assert tree_bytes(site / "build") == tree_bytes(tmp_path / "bersih")


def test_an_image_replaced_by_a_broken_file_is_reported_on_the_next_build(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, PHOTO_UMKM)
    memory = KeptBuild()
    options = BuildOptions(site_dir=site, out_dir=tmp_path / "out")
    build(options, kept=memory)
    photo = site / "content/kelurahan/purwantoro/umkm/sambal/foto.png"
    photo.write_bytes(_png((64, 48), (200, 30, 30))[:40])  # same name, now truncated
    try:
        build(options, kept=memory)
    except KimsiteError as error:
        shown = [(d.path, d.key) for d in error.diagnostics]
    else:
        raise AssertionError("a broken image must fail the build")
    assert shown == [("content/kelurahan/purwantoro/umkm/sambal/index.md", "image.not_image")]
    photo.write_bytes(_png((64, 48), (30, 200, 30)))
    build(options, kept=memory)  # fixed again: the check runs again and passes


def test_server_rebuilds_from_kept_pages_equal_a_clean_build(tmp_path: Path, monkeypatch) -> None:
    """The server hands each build copies of the pages it keeps; a build rewrites the `<img>` of a body,
    which must not leak into the kept page (the next build would rewrite it twice)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, PHOTO_UMKM)
    memory = KeptBuild()
    options = BuildOptions(site_dir=site, out_dir=tmp_path / "out", base_url="https://contoh.github.io/uji/")
    build(options, kept=memory)
    for round_ in range(3):  # edits elsewhere: the sambal page comes from the kept copy every time
        _append(site / UMKM_MD, f"\nTambahan ke-{round_}.\n")
        result = build(options, kept=memory)
        assert memory.parsed, "the server keeps parsed pages between builds"
    sambal = result.rendered["kelurahan/purwantoro/umkm/sambal/index.html"].decode()
    assert sambal.count("<picture") >= 2 and "<picture><picture" not in sambal
    assert build_site(site, "-o", str(tmp_path / "bersih")).exit_code == 0
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "bersih")


def test_a_finished_save_is_built_after_the_short_quiet_wait(tmp_path: Path) -> None:
    """`debounce` covers events that may still be followed by more; a file closed after writing or renamed
    into place ends a save, so the build starts after `save_quiet`."""
    site = make_site(tmp_path)
    server = Server(ServeOptions(site_dir=site, port=0, debounce=5.0, save_quiet=0.05, watch=False),
                    log=lambda _message: None)
    server.start()
    try:
        md = site / UMKM_MD
        before = server.builds
        _append(md, "\nSatu.\n")
        server.notify_paths([md])  # a write that is not known to be finished: waits for 5 s of quiet
        time.sleep(1.0)
        assert server.builds == before and server.busy
        server.notify_paths([md], finished=True)  # the close that ends the save
        assert server.wait_idle(timeout=4.0), "a finished save must not wait for the long debounce"
        assert server.builds == before + 1
        _append(md, "\nDua.\n")
        server.notify_paths([md])
        time.sleep(1.0)
        assert server.builds == before + 1  # the short wait applies to one save, not to later events
    finally:
        server.stop()


def test_search_entries_follow_what_they_read_when_reused(tmp_path: Path) -> None:
    """Entries of the search index are kept between builds while the facts each one read hold: renaming
    a kelurahan must change the entries of its UMKM (whose own files did not change)."""
    import json

    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    wilayah = site / "data/wilayah.csv"
    wilayah.write_text(wilayah.read_text(encoding="utf-8").replace(",Purwantoro", ",Purwantoro Baru"),
                       encoding="utf-8")
    result = build_site(site)
    assert result.exit_code == 0, result.output
    entries = json.loads((site / "build/cari/indeks.json").read_text(encoding="utf-8"))
    keripik = next(e for e in entries if e[0].endswith("umkm/keripik-tempe/"))
    assert "purwantoro baru" in keripik[4]
    assert build_site(site, "-o", str(tmp_path / "bersih"), "--no-cache").exit_code == 0
    assert tree_bytes(site / "build") == tree_bytes(tmp_path / "bersih")


def test_qr_codes_are_drawn_once_and_remembered_in_the_build_cache(tmp_path: Path, monkeypatch) -> None:
    """Poster QR codes (the slow pure filter) are kept in `.kimsite-cache/build.cache`: a build that
    must render every page again (output folder deleted) draws none, and the pages are the same."""
    import shutil

    from kimsite import theme

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    drawn: list[str] = []
    real = theme.qr_svg

    def counting(data: str, label: str = "") -> object:
        drawn.append(data)
        return real(data, label)

    monkeypatch.setattr(theme, "qr_svg", counting)
    site = make_site(tmp_path)
    build(BuildOptions(site_dir=site, jobs=1))
    first = len(drawn)
    assert first >= 2  # the page address and the WhatsApp order link of the UMKM poster
    pages = tree_bytes(site / "build")
    shutil.rmtree(site / "build")
    build(BuildOptions(site_dir=site, jobs=1))
    assert len(drawn) == first  # every code came from the cache
    assert tree_bytes(site / "build") == pages
    assert not (site / cache.CACHE_DIR / "memo").exists()  # one cache file, not one file per code
    build(BuildOptions(site_dir=site, jobs=1, use_cache=False, out_dir=tmp_path / "tanpa-cache"))
    assert len(drawn) > first


def test_a_share_card_removed_from_the_cache_is_drawn_again_in_the_same_process(tmp_path: Path, monkeypatch) -> None:
    """The builder remembers which share cards exist (named by their content, they never change), but
    a card removed by hand or by `kimsite clean` is noticed, drawn again, and the site still builds."""
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    monkeypatch.delenv("KIMSITE_CACHE_DIR", raising=False)
    site = make_site(tmp_path)
    build(BuildOptions(site_dir=site, jobs=1))
    cards = sorted((site / cache.CACHE_DIR / "images/kartu").glob("*.jpg"))
    assert cards
    first = tree_bytes(site / "build")
    cards[0].unlink()
    shutil.rmtree(site / "build")
    build(BuildOptions(site_dir=site, jobs=1))
    assert cards[0].is_file()
    assert tree_bytes(site / "build") == first


def test_a_kept_body_whose_image_is_deleted_is_reported_by_the_next_build(tmp_path: Path, monkeypatch) -> None:
    """A kept body skips its link checks only while the link tables equal those of the build that kept
    it; deleting the image it shows changes the tables, so the next build reports the broken image."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, PHOTO_UMKM)
    memory = KeptBuild()
    options = BuildOptions(site_dir=site, out_dir=tmp_path / "out", base_url="https://contoh.github.io/uji/")
    build(options, kept=memory)
    _append(site / UMKM_MD, "\nSuntingan.\n")  # a build with unchanged tables: the sambal body is reused
    build(options, kept=memory)
    (site / "content/kelurahan/purwantoro/umkm/sambal/dapur.png").unlink()
    try:
        build(options, kept=memory)
    except KimsiteError as error:
        paths = {d.path for d in error.diagnostics}
        assert "content/kelurahan/purwantoro/umkm/sambal/index.md" in paths
    else:
        raise AssertionError("the deleted image must be reported")


def test_page_fingerprints_are_reused_only_for_the_same_strings(monkeypatch) -> None:
    from types import SimpleNamespace

    memo = cache.PageFingerprints()
    made: list[str] = []
    original = cache.body_fingerprint
    monkeypatch.setattr(cache, "body_fingerprint", lambda page: made.append(page.body_html) or original(page))

    def page(path: str, body: str, text: str = "isi") -> SimpleNamespace:
        return SimpleNamespace(source=SimpleNamespace(path=path), body_html=body, toc_html="", body_text=text,
                               body_md="")

    body = "".join(["<p>isi</p>"] * 3)
    first = memo.of([page("a.md", body)])
    assert first == {"a.md": original(page("a.md", body))} and len(made) == 1
    assert memo.of([page("a.md", body)]) == first and len(made) == 1  # the same strings: remembered
    equal_copy = "".join(["<p>isi</p>"] * 3)  # equal, but another object: hashed again, same answer
    assert memo.of([page("a.md", equal_copy)]) == first and len(made) == 2
    words = "".join(["isi", " lain"])
    assert memo.of([page("a.md", equal_copy, words)])["a.md"] == original(page("a.md", body, words)) != first["a.md"]
    other = "".join(["<p>lain</p>"] * 3)
    assert memo.of([page("a.md", other, words)])["a.md"] == original(page("a.md", other, words))
    assert len(made) == 4


def test_kept_share_cards_follow_a_kelurahan_rename(tmp_path: Path, monkeypatch) -> None:
    """The server remembers each UMKM's card text while its page is the same kept object; the card also
    names the kelurahan, so giving the kelurahan a display name (its UMKM files unchanged) must redraw it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path)
    memory = KeptBuild()
    options = BuildOptions(site_dir=site, out_dir=tmp_path / "out", base_url="https://contoh.github.io/uji/")
    build(options, kept=memory)
    build(options, kept=memory)
    url = "/kelurahan/purwantoro/umkm/keripik-tempe/"
    kept_page = memory.card_specs[url][0]
    index = site / "content/kelurahan/purwantoro/_index.md"
    index.write_text(index.read_text(encoding="utf-8").replace('kode: "35.73.01.1007"',
                                                               'kode: "35.73.01.1007"\nnama_tampil: Purwantoro Asri'),
                     encoding="utf-8")
    build(options, kept=memory)
    assert memory.card_specs[url][0] is kept_page, "the UMKM page itself was kept"
    assert memory.card_specs[url][3].place.endswith("Purwantoro Asri")
    assert build_site(site, "-o", str(tmp_path / "bersih"), "--no-cache").exit_code == 0
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "bersih")


def test_only_bodies_with_images_keep_their_markdown_after_rendering(tmp_path: Path, monkeypatch) -> None:
    """The Markdown is read after rendering only to point at an image's line; the other pages are held
    (and cached) without it. A body with an image keeps it, and the cached copy equals a fresh one."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, PHOTO_UMKM)
    written = BuildOptions(site_dir=site, out_dir=tmp_path / "out")
    for options in (written, BuildOptions(site_dir=site, write=False)):  # parsed, then from the build cache
        model = build(options).model
        assert model is not None
        pages = {p.source.path: p for p in model.umkm}
        sambal = pages["content/kelurahan/purwantoro/umkm/sambal/index.md"]
        assert sambal.body_md.rstrip().endswith("![Dapur sambal](dapur.png)")
        assert pages[UMKM_MD].body_md == "" and "renyah" in pages[UMKM_MD].body_html


def _cached_page(site: Path, rel: str) -> tuple[cache.SourceEntry, object]:
    store, problem = cache.load(site)
    assert problem is None
    entry = store.sources[rel]
    return entry, cache.unpack(entry.blob, entry.body).page


def test_a_cached_body_stays_packed_until_something_reads_it(tmp_path: Path) -> None:
    """A page from the cache holds its rendered body compressed, and keeps it so when it is read; what
    the build asks of every page (has it an image? its body fingerprint?) is answered without
    unpacking, and a read gives the very text the page was rendered with."""
    from kimsite.content import body_is_packed

    site = make_site(tmp_path, PHOTO_UMKM)
    assert build_site(site).exit_code == 0
    entry, page = _cached_page(site, UMKM_MD)
    assert entry.body and body_is_packed(page)
    assert page.shows_image is False and body_is_packed(page)
    fingerprint = cache.body_fingerprint(page)
    assert "Keripik tempe renyah buatan rumah" in page.body_html and "Keripik tempe renyah" in page.body_text
    assert body_is_packed(page)  # read, not kept as text on the page
    assert fingerprint == cache.text_digest(page.body_html, page.toc_html, page.body_text, page.body_md)
    html = (site / "build/kelurahan/purwantoro/umkm/keripik-tempe/index.html").read_text(encoding="utf-8")
    assert page.body_html in html

    entry, photo = _cached_page(site, "content/kelurahan/purwantoro/umkm/sambal/index.md")
    assert entry.body == b"" and not body_is_packed(photo)  # a body with an <img> is kept as text
    assert photo.shows_image


def test_a_command_line_build_keeps_bodies_in_a_file_that_leaves_no_trace(tmp_path: Path, monkeypatch) -> None:
    """A build that saves its cache moves each packed body to one unlinked file (kimsite.content.BodyFile):
    a page holds only where its body is, a read gives the very text, nothing is left in the cache
    folder, and the site is the one a build holding every body in memory makes. A disk that fills up
    meanwhile leaves the remaining bodies in memory, with the same site."""
    from kimsite.content import BodyFile, StoredBody, page_state

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, PHOTO_UMKM)
    stored = build(BuildOptions(site_dir=site, jobs=1))
    memory = build(BuildOptions(site_dir=site, jobs=1, use_cache=False, out_dir=tmp_path / "di-memori"))
    assert tree_bytes(site / "build") == tree_bytes(tmp_path / "di-memori")
    left = {p.name for p in (site / cache.CACHE_DIR).iterdir()}
    assert cache.CACHE_FILE in left and left <= {cache.CACHE_FILE, cache.RECORD_FILE, "images", "jinja"}
    by_path = {p.source.path: p for p in memory.model.umkm}  # type: ignore[attr-defined]
    on_disk = [p for p in stored.model.umkm  # type: ignore[attr-defined]
               if isinstance(page_state(p).get("_packed_body"), StoredBody)]
    assert on_disk and UMKM_MD in {p.source.path for p in on_disk}
    for page in on_disk:
        twin = by_path[page.source.path]
        assert (page.body_html, page.toc_html, page.body_text) == (twin.body_html, twin.toc_html, twin.body_text)
        assert "_packed_body" not in page_state(twin) or isinstance(page_state(twin)["_packed_body"], bytes)

    real_add, added = BodyFile.add, []

    def filling_up(self, packed):  # noqa: ANN001, ANN202
        if added:
            raise OSError(28, "No space left on device")
        added.append(packed)
        return real_add(self, packed)

    monkeypatch.setattr(BodyFile, "add", filling_up)
    shutil.rmtree(site / cache.CACHE_DIR)
    full = build(BuildOptions(site_dir=site, jobs=1, out_dir=tmp_path / "penuh"))
    assert tree_bytes(tmp_path / "penuh") == tree_bytes(tmp_path / "di-memori")
    model = full.model
    pages = [*model.umkm, *model.berita, *model.halaman, *(k.page for k in model.kelurahan if k.page)]  # type: ignore[attr-defined]
    kinds = {type(page_state(p).get("_packed_body")) for p in pages}
    assert len(added) == 1 and StoredBody in kinds and bytes in kinds


def test_reading_a_packed_body_records_a_body_fact_only(tmp_path: Path) -> None:
    """Unpacking must not look like a front-matter read to the render recorder, or a list that shows
    only bodies would be rendered again whenever a page's fields change (and differently from a
    build whose pages were parsed just now)."""
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    path = "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
    for read in ("body_html", "shows_image", "toc_html"):
        _entry, page = _cached_page(site, path)
        with cache.recording_hooks():
            recorder = cache.start_recording()
            try:
                getattr(page, read)
            finally:
                cache.stop_recording()
        assert recorder.keys == {"b:" + path}, read
