"""The preview server's quick rebuild of edited bodies (kimsite.quick) gives exactly a clean build's bytes,
declines every edit that could change more than the bodies, and leaves the kept state so that the next
full rebuild is right too."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitetools import AGENDA_BAZAR, SOURCE_DATE_EPOCH, UMKM_TEMPLATE, build_site, make_site, tree_bytes

from kimsite import quick
from kimsite import server as server_module
from kimsite.build import BuildOptions, KeptBuild, build
from kimsite.errors import KimsiteError
from kimsite.quick import rebuild_bodies
from kimsite.server import ServeOptions, Server

KOPI = "content/kelurahan/purwantoro/umkm/kopi-darto.md"
JAMU = "content/kelurahan/purwantoro/umkm/jamu-bu-tin.md"
BERITA = "content/kelurahan/purwantoro/berita/2026-11-20-pelatihan.md"
AGENDA = "content/kelurahan/purwantoro/agenda/2026-12-05-bazar.md"
PROFIL = "content/kelurahan/purwantoro/_index.md"
UMKM = UMKM_TEMPLATE
SPEC = f"""
-- {KOPI} --
{UMKM.format(nama="Kopi Pak Darto", body="Kopi tubruk dan kopi susu dari biji lereng Arjuno, diseduh setiap pagi.")}
-- {JAMU} --
{UMKM.format(nama="Jamu Bu Tin", body="Jamu kunyit asam dan beras kencur segar, dibuat setiap pagi dari pasar.")}
-- {BERITA} --
---
judul: Pelatihan kemasan untuk perajin keripik
tanggal: 2026-11-20
penulis: Tim KIM Uji
---
Perajin belajar membuat kemasan yang menarik untuk keripik dan kopi bubuk.
-- {AGENDA} --
{AGENDA_BAZAR}"""


def _replace(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, BuildOptions, KeptBuild]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, SPEC)
    options = BuildOptions(site_dir=site, out_dir=tmp_path / "out")
    kept = KeptBuild(private_output=True)
    build(options, kept=kept)
    return site, options, kept


def _clean(site: Path, tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "bersih"
    result = build_site(site, "-o", str(folder), "--no-cache")
    assert result.exit_code == 0, result.output
    return tree_bytes(folder)


# Each edit changes only bodies; together they reach every output the quick rebuild makes again: the
# page itself, the lists and the search index (the start of a body is indexed), the kelurahan and site
# feeds (they carry berita bodies), the service worker (it hashes every output).
BODY_EDITS = {
    "umkm-end": ([KOPI], lambda s: _replace(s, KOPI, "setiap pagi.", "setiap pagi.\n\nKini ada kopi jahe.")),
    "umkm-start": ([KOPI], lambda s: _replace(s, KOPI, "Kopi tubruk", "Wedang uwuh, kopi tubruk")),
    "berita": ([BERITA], lambda s: _replace(s, BERITA, "yang menarik", "yang rapi dan menarik")),
    "link-and-heading": ([JAMU], lambda s: _replace(
        s, JAMU, "dari pasar.", "dari pasar.\n\n## Langganan\n\nCoba juga [kopi tetangga](kopi-darto.md).")),
    "agenda": ([AGENDA], lambda s: _replace(s, AGENDA, "terbuka untuk umum", "terbuka untuk umum sejak pagi")),
    "kelurahan-profile": ([PROFIL], lambda s: _replace(s, PROFIL, "Profil kelurahan uji.", "Profil kelurahan uji, "
                                                       "dengan [kopi](umkm/kopi-darto.md) di pojok pasar.")),
    "two-files": ([KOPI, BERITA], lambda s: (_replace(s, KOPI, "Kopi tubruk", "Kopi tubruk pilihan"),
                                             _replace(s, BERITA, "kopi bubuk", "kopi bubuk Dampit"))),
}


@pytest.mark.parametrize("edit", sorted(BODY_EDITS))
def test_a_body_edit_is_rebuilt_quickly_and_equals_a_clean_build(tmp_path, monkeypatch, edit):
    site, options, kept = _start(tmp_path, monkeypatch)
    before = tree_bytes(tmp_path / "out")
    paths, change = BODY_EDITS[edit]
    change(site)
    result = rebuild_bodies(options, kept, paths)
    assert result is not None, "a body-only edit takes the quick path"
    after = tree_bytes(tmp_path / "out")
    assert after == _clean(site, tmp_path)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert result.written == len(changed) and changed >= {"sw.js"}
    assert {rel: result.rendered[rel] for rel in result.rendered} == {rel: after[rel] for rel in result.rendered}


def test_pages_that_only_list_the_edited_one_are_not_rendered_again(tmp_path, monkeypatch):
    """Lists read a page's front matter, not its body: page facts come in two parts (kimsite.cache)."""
    site, options, kept = _start(tmp_path, monkeypatch)
    rendered: list[str] = []
    original = quick._render_one

    def counted(env, theme, config, model, route):
        rendered.append(route.url)
        return original(env, theme, config, model, route)

    monkeypatch.setattr(quick, "_render_one", counted)
    _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
    assert rebuild_bodies(options, kept, [KOPI]) is not None
    assert rendered == ["/kelurahan/purwantoro/umkm/kopi-darto/"]
    assert tree_bytes(tmp_path / "out") == _clean(site, tmp_path)


DECLINED = {
    "front-matter": ([KOPI], lambda s: _replace(s, KOPI, "Kopi Pak Darto", "Kopi Arjuno Pak Darto")),
    "new-file": (["content/kelurahan/purwantoro/umkm/batik.md"], lambda s: (s / "content/kelurahan/purwantoro/umkm/"
                 "batik.md").write_text(UMKM.format(nama="Batik Sari", body="Batik tulis motif topeng Malangan."),
                                        encoding="utf-8")),
    "deleted": ([JAMU], lambda s: (s / JAMU).unlink()),
    "image-in-body": ([KOPI], lambda s: _replace(s, KOPI, "setiap pagi.", "setiap pagi.\n\n![Kedai](kedai.png)")),
    "broken-link": ([KOPI], lambda s: _replace(s, KOPI, "setiap pagi.", "setiap pagi, [lihat](tidak-ada.md).")),
    "not-a-page": (["content/kelurahan/purwantoro/umkm/keripik.png"], lambda s: None),
}


@pytest.mark.parametrize("edit", sorted(DECLINED))
def test_edits_that_may_change_more_than_bodies_take_the_full_build(tmp_path, monkeypatch, edit):
    site, options, kept = _start(tmp_path, monkeypatch)
    (site / "content/kelurahan/purwantoro/umkm/kedai.png").write_bytes((site / "content/kelurahan/purwantoro/umkm/"
                                                                        "keripik.png").read_bytes())
    build(options, kept=kept)
    before = tree_bytes(tmp_path / "out")
    paths, change = DECLINED[edit]
    change(site)
    assert rebuild_bodies(options, kept, paths) is None
    assert tree_bytes(tmp_path / "out") == before, "a declined edit writes nothing"
    if edit == "broken-link":
        with pytest.raises(KimsiteError):
            build(options, kept=kept)
        return
    build(options, kept=kept)
    assert tree_bytes(tmp_path / "out") == _clean(site, tmp_path)


def test_a_later_second_of_the_same_day_keeps_the_quick_path(tmp_path, monkeypatch):
    """Without SOURCE_DATE_EPOCH every build has its own "now": the quick path holds while no output
    reads the clock itself and no agenda ends in between (the test site's agenda is days away)."""
    site, options, kept = _start(tmp_path, monkeypatch)
    later = str(int(SOURCE_DATE_EPOCH) + 3_600)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", later)
    _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
    assert rebuild_bodies(options, kept, [KOPI]) is not None
    folder = tmp_path / "bersih"
    assert build_site(site, "-o", str(folder), "--no-cache", env={"SOURCE_DATE_EPOCH": later}).exit_code == 0
    assert tree_bytes(tmp_path / "out") == tree_bytes(folder)


def test_an_agenda_ending_in_between_takes_the_full_build(tmp_path, monkeypatch):
    site, options, kept = _start(tmp_path, monkeypatch)
    (site / "content/kelurahan/purwantoro/agenda/2026-11-27-senam.md").write_text(
        AGENDA_BAZAR.replace("2026-12-05T08:00", "2026-11-27T10:00"), encoding="utf-8")  # 03:00 UTC
    build(options, kept=kept)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SOURCE_DATE_EPOCH) + 4 * 3_600))  # 11:00 WIB, same day
    _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
    assert rebuild_bodies(options, kept, [KOPI]) is None, "the agenda moved from upcoming to past"


def test_another_day_takes_the_full_build(tmp_path, monkeypatch):
    site, options, kept = _start(tmp_path, monkeypatch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SOURCE_DATE_EPOCH) + 86_400))
    _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
    assert rebuild_bodies(options, kept, [KOPI]) is None


def test_full_rebuilds_after_quick_ones_equal_a_clean_build(tmp_path, monkeypatch):
    site, options, kept = _start(tmp_path, monkeypatch)
    for round_ in range(2):
        _replace(site, KOPI, "setiap pagi.", f"setiap pagi. Tambahan {round_}.")
        assert rebuild_bodies(options, kept, [KOPI]) is not None
    # the edited page comes from the kept state in this build: a front-matter edit of it, elsewhere a template
    _replace(site, KOPI, "Kopi Pak Darto", "Kopi Arjuno Pak Darto")
    template = site / "themes/default/templates/partials/umkm_card.html"
    template.parent.mkdir(parents=True)
    (site / "themes/default/tema.yaml").write_text("induk: default\n", encoding="utf-8")
    from kimsite.theme import bundled_themes_dir

    source = (bundled_themes_dir() / "default/templates/partials/umkm_card.html").read_text(encoding="utf-8")
    template.write_text(source + "\n<!-- kartu -->\n", encoding="utf-8")
    build(options, kept=kept)
    assert tree_bytes(tmp_path / "out") == _clean(site, tmp_path)
    _replace(site, KOPI, "Tambahan 1.", "Tambahan 2.")
    assert rebuild_bodies(options, kept, [KOPI]) is not None
    assert tree_bytes(tmp_path / "out") == _clean(site, tmp_path)


def test_the_server_uses_the_quick_rebuild_for_a_body_edit(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, SPEC)
    full_builds: list[object] = []
    original = server_module.build

    def counted(*args, **kwargs):
        full_builds.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(server_module, "build", counted)
    server = Server(ServeOptions(site_dir=site, port=0, watch=False), log=lambda _m: None)
    events: list[tuple[str, dict]] = []
    server.add_listener(lambda event, data: events.append((event, data)))
    with server:
        assert len(full_builds) == 1
        _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
        server.notify_paths([site / KOPI], finished=True)
        assert server.wait_idle()
        assert len(full_builds) == 1, "a body edit is rebuilt without the full build"
        name, data = server.read_for_request(("kelurahan", "purwantoro", "umkm", "kopi-darto"), True)
        assert "Tutup hari Jumat." in data.decode()
        reload = [d for e, d in events if e == "reload"][-1]
        assert any(url.endswith("/kelurahan/purwantoro/umkm/kopi-darto/") for url in reload["urls"])
        _replace(site, KOPI, "Kopi Pak Darto", "Kopi Arjuno")
        server.notify_paths([site / KOPI], finished=True)
        assert server.wait_idle()
        assert len(full_builds) == 2, "a front-matter edit takes the full build"


def test_a_failure_inside_the_quick_rebuild_falls_back_to_the_full_build(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, SPEC)

    def broken(*_args):
        raise RuntimeError("a bug in the quick path")

    monkeypatch.setattr(quick, "_render_one", broken)
    with Server(ServeOptions(site_dir=site, port=0, watch=False), log=lambda _m: None) as server:
        _replace(site, KOPI, "setiap pagi.", "setiap pagi. Tutup hari Jumat.")
        server.notify_paths([site / KOPI], finished=True)
        assert server.wait_idle()
        assert not server.state.errors
        name, data = server.read_for_request(("kelurahan", "purwantoro", "umkm", "kopi-darto"), True)
        assert "Tutup hari Jumat." in data.decode()
        assert server.kept.last is not None, "the full build ran and left its state for the next edit"
