"""UMKM lists are paginated (48 cards a page), like berita lists: a city's thousands of UMKM on one page
would be megabytes on a phone. Every list — all UMKM, a category, a kelurahan, a kelurahan's category —
links its pages with rel=prev/next, says the total, and together the pages show every UMKM once."""

from __future__ import annotations

from pathlib import Path

from sitetools import KAUMAN, build_site, make_site, page

from kimsite.site import UMKM_PER_PAGE

COUNT = UMKM_PER_PAGE + 5  # the base site's own UMKM makes one more


def _site(tmp_path: Path, extra: str = "") -> Path:
    spec = extra + "".join(f"""
-- content/kelurahan/purwantoro/umkm/usaha-{i:03d}.md --
---
nama: Usaha {i:03d}
kategori: {"kuliner" if i % 2 else "jasa"}
kontak:
  whatsapp: "0812-3456-{i:04d}"
diperbarui: 2026-10-01
---
Usaha nomor {i:03d}.
""" for i in range(COUNT))
    site = make_site(tmp_path, spec)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    return site


def _cards(site: Path, url: str) -> list[str]:
    return [h.get_text(strip=True) for h in page(site, url).select("ul.cards li.card h2")]


def _walk(site: Path, url: str) -> list[list[str]]:
    """The cards of every page of a list, following rel=next from its first page."""
    pages = []
    seen = set()
    while url not in seen:
        seen.add(url)
        pages.append(_cards(site, url))
        nxt = page(site, url).select_one('nav.pager a[rel="next"]')
        if nxt is None:
            break
        url = (Path(url) / nxt["href"]).as_posix()  # relative link from the page's folder
        url = str(Path("/" + url).resolve()).lstrip("/") + "/"
    return pages


def test_each_umkm_list_is_paginated_and_shows_every_umkm_once(tmp_path: Path) -> None:
    site = _site(tmp_path)
    total = COUNT + 1
    for base, expected in [("umkm/", total), ("kelurahan/purwantoro/umkm/", total)]:
        pages = _walk(site, base)
        assert [len(p) for p in pages] == [UMKM_PER_PAGE, total - UMKM_PER_PAGE]
        names = [name for p in pages for name in p]
        assert len(names) == len(set(names)) == expected
        second = page(site, base + "halaman/2/")
        assert "(2)" in second.title.get_text()
        assert second.select_one('nav.pager a[rel="prev"]') is not None
        assert f"{expected} " in page(site, base).select_one('meta[name="description"]')["content"]
    kuliner = [n for p in _walk(site, "umkm/kuliner/") for n in p]
    assert sorted(kuliner) == [f"Usaha {i:03d}" for i in range(1, COUNT, 2)]
    jasa = [n for p in _walk(site, "kelurahan/purwantoro/umkm/kategori/jasa/") for n in p]
    assert sorted(jasa) == [f"Usaha {i:03d}" for i in range(0, COUNT, 2)]


def test_a_short_list_has_no_pager_and_the_poster_sheet_keeps_every_umkm(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert len(_cards(site, "umkm/jasa/")) == len(range(0, COUNT, 2)) < UMKM_PER_PAGE
    assert page(site, "umkm/jasa/").select_one("nav.pager") is None
    assert not (site / "build/umkm/jasa/halaman").exists()
    sheet = page(site, "kelurahan/purwantoro/umkm/poster/")  # printing: every poster on one page
    assert len(sheet.select("article.poster")) == COUNT + 1


def test_the_kelurahan_filter_is_on_the_first_page_of_a_city_wide_list_and_linked_from_the_others(
        tmp_path: Path) -> None:
    """A chip per kelurahan on every page of the city-wide list made each page heavier by the whole
    region list (and a province-wide portal's pages by thousands of chips); later pages link to it."""
    site = _site(tmp_path, KAUMAN + """Kelurahan kedua.
-- content/kelurahan/kauman/umkm/jamu.md --
---
nama: Jamu Kauman
kategori: jasa
kontak:
  whatsapp: "0812-1111-2222"
diperbarui: 2026-10-01
---
Jamu gendong.
""")
    first = page(site, "umkm/")
    details = first.select_one("details#saring")
    assert details is not None
    chips = [a["href"] for a in details.select("nav a")]
    assert sorted(href.split("kelurahan/")[-1] for href in chips) == ["kauman/umkm/", "purwantoro/umkm/"]
    second = page(site, "umkm/halaman/2/")
    assert second.select_one("details.saring") is None
    link = second.select_one("p.saring-tautan a")
    assert link is not None
    path, fragment = link["href"].split("#")
    assert fragment == "saring"
    assert str((Path("/umkm/halaman/2/") / path).resolve()) == "/umkm"  # links are relative
    # A kelurahan's own list has no kelurahan filter, on any page.
    for url in ("kelurahan/purwantoro/umkm/", "kelurahan/purwantoro/umkm/halaman/2/"):
        assert page(site, url).select_one("details.saring, p.saring-tautan") is None
