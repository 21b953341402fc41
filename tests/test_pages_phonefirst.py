"""Filters as plain links, the search index, and the /statistik/ charts (built HTML, no browser)."""

from __future__ import annotations

import json

from sitetools import KAUMAN, build_site, make_site, page

from kimsite.search import normalize

MORE = KAUMAN + """Profil kelurahan uji kedua.
-- content/kelurahan/kauman/umkm/jahit.md --
---
nama: Jahit Bu Ani
kategori: jasa
kontak:
  whatsapp: "0812-2222-5555"
diperbarui: 2026-10-01
---
Jasa jahit dan permak pakaian dekat masjid, bisa ditunggu untuk permak celana dan rok.
-- content/kelurahan/purwantoro/umkm/bakso.md --
---
nama: Bakso Pak Man
kategori: kuliner
kontak:
  whatsapp: "0812-2222-3333"
diperbarui: 2026-10-01
produk:
  - nama: Bakso urat jumbo
    harga: 15000
---
Bakso urat dan bakso halus dengan kuah kaldu sapi, buka setiap hari dari pagi sampai sore.
-- content/kelurahan/purwantoro/berita/2026-09-02-pelatihan.md --
---
judul: Pelatihan foto produk
tanggal: 2026-09-02
penulis: Tim KIM
---
Pelatihan memotret produk UMKM dengan ponsel untuk pelaku usaha di Purwantoro.
-- content/kelurahan/purwantoro/berita/2026-11-05-bazar.md --
---
judul: Bazar akhir tahun
tanggal: 2026-11-05
penulis: Tim KIM
---
Bazar UMKM di lapangan kelurahan dengan dua puluh stan makanan dan kerajinan.
"""


def test_kelurahan_category_filter_pages_are_plain_links(tmp_path):
    site = make_site(tmp_path, MORE)
    assert build_site(site).exit_code == 0
    listing = page(site, "kelurahan/purwantoro/umkm/")
    nav = listing.find("nav", attrs={"aria-label": "Saring per kategori"})
    links = {a.get_text(" ", strip=True): a["href"] for a in nav.find_all("a")}
    assert links == {"Semua kategori 2": "./", "Kuliner 1": "kategori/kuliner/", "Oleh-oleh 1": "kategori/oleh-oleh/"}
    kuliner = page(site, "kelurahan/purwantoro/umkm/kategori/kuliner/")
    assert kuliner.h1.get_text(strip=True) == "UMKM Purwantoro: Kuliner"
    assert [a.get_text(strip=True) for a in kuliner.select(".cards a")] == ["Bakso Pak Man"]
    current = kuliner.find("nav", attrs={"aria-label": "Saring per kategori"}).find("a", attrs={"aria-current": "page"})
    assert current.get_text(" ", strip=True) == "Kuliner 1"
    # No page for a category the kelurahan does not have; the folder itself redirects to the list.
    assert not (site / "build/kelurahan/purwantoro/umkm/kategori/fesyen").exists()
    redirect = page(site, "kelurahan/purwantoro/umkm/kategori/")
    assert redirect.find("meta", attrs={"http-equiv": "refresh"})["content"].endswith("url=../")


def test_city_list_links_each_kelurahan_list(tmp_path):
    site = make_site(tmp_path, MORE)
    assert build_site(site).exit_code == 0
    city = page(site, "umkm/")
    nav = city.find("nav", attrs={"aria-label": "Saring per kelurahan"})
    assert nav.find_parent("details") is not None  # folded on phones, opens without script
    assert [(a.get_text(" ", strip=True), a["href"]) for a in nav.find_all("a")] == [
        ("Purwantoro 2", "../kelurahan/purwantoro/umkm/"), ("Kauman 1", "../kelurahan/kauman/umkm/")]


def test_a_umkm_named_kategori_is_an_error(tmp_path):
    site = make_site(tmp_path, """
-- content/kelurahan/purwantoro/umkm/kategori.md --
---
nama: Kategori Jaya
kategori: jasa
kontak:
  whatsapp: "0812-2222-4444"
diperbarui: 2026-10-01
---
Jasa fotokopi dan cetak dokumen dekat kantor kelurahan, buka setiap hari kerja.
""")
    result = build_site(site)
    assert result.exit_code == 1
    assert any(line.startswith("content/kelurahan/purwantoro/umkm/kategori.md") and "kelurahan/purwantoro/umkm/kategori"
               in line for line in result.lines()), result.output


def test_search_index_covers_products_aliases_and_berita(tmp_path):
    site = make_site(tmp_path, MORE.replace("kim:\n", "kim:\n") + """
-- content/kelurahan/purwantoro/_index.md --
---
kode: "35.73.01.1007"
alias: [Kampung Sanan]
deskripsi: Kelurahan uji di Kecamatan Blimbing.
kim:
  ada: true
  nama: KIM Purwantoro Uji
---
Profil kelurahan uji.
""")
    assert build_site(site).exit_code == 0
    index = json.loads((site / "build/cari/indeks.json").read_text())
    by_url = {entry[0]: entry for entry in index}
    bakso = by_url["kelurahan/purwantoro/umkm/bakso/"]
    assert bakso[1:4] == ["Bakso Pak Man", "umkm", "Kuliner · Purwantoro"]
    assert "bakso urat jumbo" in bakso[4] and "blimbing" in bakso[4]
    kel = by_url["kelurahan/purwantoro/"]
    assert kel[2] == "kelurahan" and "kampung sanan" in kel[4]
    # Kelurahan without a microsite are findable too and lead to their kecamatan.
    assert by_url["kecamatan/kedungkandang/"][1] == "Kelurahan Buring"
    assert by_url["kelurahan/purwantoro/berita/bazar/"][2] == "berita"
    assert all(entry[4] == normalize(entry[4]) for entry in index)


def test_normalize_matches_the_browser_rule():
    assert normalize("Kopi  Lüwak — “Asli” 100%") == "kopi luwak asli 100"


def test_statistik_charts_are_accessible_svg_with_tables(tmp_path):
    site = make_site(tmp_path, MORE)
    assert build_site(site).exit_code == 0
    stats = page(site, "statistik/")
    figures = stats.select("figure.figur-bagan")
    assert [f["id"] for f in figures] == ["bagan-kim", "bagan-kategori", "bagan-kecamatan", "bagan-kim-kecamatan",
                                          "bagan-berita"]
    for figure in figures:
        svg = figure.find("svg")
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find("title", id=title_id).get_text(strip=True)
        assert svg.find("desc", id=desc_id).get_text(strip=True)
        assert figure.find("table") is not None
        assert len(figure.select("tbody tr")) == len(svg.select("text.bagan-label"))
    kim = stats.find(id="bagan-kim")
    assert kim.find("desc").get_text() == "1 dari 4 kelurahan sudah punya KIM."
    assert [td.get_text() for td in kim.select("tbody td")] == ["1 / 4"]
    categories = {tr.th.get_text(): tr.td.get_text() for tr in stats.find(id="bagan-kategori").select("tbody tr")}
    assert categories["Kuliner"] == "1" and categories["Oleh-oleh"] == "1" and categories["Jasa"] == "1"
    assert categories["Fesyen"] == "0"
    months = [(tr.th.get_text(), tr.td.get_text()) for tr in stats.find(id="bagan-berita").select("tbody tr")]
    assert months == [("September 2026", "1"), ("Oktober 2026", "0"), ("November 2026", "1")]
