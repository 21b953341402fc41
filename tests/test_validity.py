"""The bundled site, built under a GitHub project-pages sub-path: valid HTML (Nu validator), no broken
internal link, canonical/feed/sitemap URLs absolute under the base URL."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from bs4 import BeautifulSoup
from sitetools import build_site, make_site

from kimsite.linkcheck import check_links, read_tree

REPO = Path(__file__).resolve().parent.parent
VNU = REPO / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BASE_URL = "https://x.github.io/repo/"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The repository's own site, built once with `--base-url https://x.github.io/repo/`."""
    out = tmp_path_factory.mktemp("bundled") / "out"
    result = build_site(REPO, "-o", str(out), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    return out


def run_vnu(folder: Path) -> subprocess.CompletedProcess:
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        if os.environ.get("CI"):
            pytest.fail("java or the Nu validator is missing on CI (scripts/test installs both)")
        pytest.skip("java or tools/node_modules/vnu-jar missing (run `bash scripts/test`)")
    return subprocess.run([java, "-jar", str(VNU), "--skip-non-html", "--errors-only", "--format", "gnu",
                           str(folder)], capture_output=True, text=True, timeout=300)


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_bundled_site_is_valid_html(bundled):
    assert len(html_pages(bundled)) > 100  # the whole portal, not an empty folder
    result = run_vnu(bundled)
    assert result.returncode == 0, (result.stdout + result.stderr)[:5000]


def test_bundled_site_has_no_broken_internal_link_under_a_sub_path(bundled):
    files = read_tree(bundled)
    assert check_links(files, "/repo/", site_url=BASE_URL) == []
    # The checker is not vacuous here: the same output does not fit a site served at the domain root,
    # because 404.html links from the base path.
    assert any(b.page == "404.html" for b in check_links(files, "/", site_url="https://x.github.io/"))


def test_bundled_pages_link_relatively_so_a_wrong_base_url_cannot_break_navigation(bundled):
    for path in html_pages(bundled):
        if path.name == "404.html":
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "img"]):
            link = tag.get("href") or tag.get("src") or ""
            if tag.get("rel") == ["canonical"] or link.startswith(("https:", "http:", "mailto:", "tel:")):
                continue
            assert not link.startswith("/"), f"{path.relative_to(bundled)}: root-absolute link {link}"


def test_canonical_and_og_urls_are_absolute_under_the_base_url(bundled):
    for path in html_pages(bundled):
        rel = path.relative_to(bundled).as_posix()
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        canonical = soup.find("link", rel="canonical")
        assert canonical is not None, rel
        if rel == "404.html":
            assert canonical["href"] == BASE_URL + "404.html"
        elif soup.find("meta", attrs={"http-equiv": "refresh"}) is None:
            expected = BASE_URL + (rel[: -len("index.html")])
            assert canonical["href"] == expected, rel
        for meta in soup.find_all("meta", property=re.compile(r"^og:(url|image|image:secure_url)$")):
            assert meta["content"].startswith(BASE_URL), f"{rel}: {meta}"


def test_every_page_has_lang_title_and_description_and_every_indexable_page_is_in_the_sitemap(bundled):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {e.text for e in ElementTree.parse(bundled / "sitemap.xml").getroot().findall("s:url/s:loc", ns)}
    indexable = set()
    for path in html_pages(bundled):
        rel = path.relative_to(bundled).as_posix()
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert soup.html.get("lang") == "id", rel
        assert soup.title and soup.title.get_text(strip=True), rel
        description = soup.find("meta", attrs={"name": "description"})
        assert description is not None and description["content"].strip(), rel
        robots = soup.find("meta", attrs={"name": "robots"})
        if robots is None or "noindex" not in robots["content"]:
            indexable.add(BASE_URL + rel.removesuffix("index.html"))
    assert indexable == locs


def test_sitemap_feeds_and_robots_use_the_base_url(bundled):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "a": "http://www.w3.org/2005/Atom"}
    locs = [e.text for e in ElementTree.parse(bundled / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert len(locs) > 100
    for loc in locs:
        assert loc.startswith(BASE_URL), loc
        assert (bundled / loc[len(BASE_URL):] / "index.html").is_file(), loc
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (bundled / "robots.txt").read_text()
    feeds = sorted(bundled.rglob("feed.xml"))
    assert len(feeds) >= 11  # the portal and each kelurahan with a microsite
    for feed in feeds:
        root = ElementTree.parse(feed).getroot()
        for link in root.iter("{http://www.w3.org/2005/Atom}link"):
            assert link.get("href").startswith(BASE_URL), f"{feed}: {link.get('href')}"


TRICKY = """
-- content/kelurahan/purwantoro/umkm/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
  telepon: "(0341) 551234"
diperbarui: 2026-10-01
foto:
  - src: keripik.png
    alt: Keripik tempe dalam kemasan
produk:
  - nama: Keripik "Original" <pedas>
    harga: 15000
    harga_coret: 18000
    satuan: bungkus
jam_buka:
  - hari: [senin, selasa]
    buka: "08:00"
    tutup: "16:00"
lokasi: {lat: -7.95, lon: 112.64}
legalitas:
  pirt: "2063573010123-28"
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.

# Produk

Judul yang sama dengan bagian tema (`produk`, `lokasi`) tidak boleh membuat id ganda.

#### Lokasi {#jam}

| Ukuran | Harga |
|---|---|
| kecil | 5.000 |

- [x] halal
- [ ] antar

Catatan kaki[^1] dan ~~coret~~ dan https://contoh.id/tautan.

<details><summary>Lebih</summary><p onclick="x()">isi</p></details>

[^1]: Isi catatan.
"""


def test_tricky_markdown_still_gives_valid_html(tmp_path):
    """Headings that skip levels or reuse the theme's ids (`## Produk`), tables, footnotes, task lists."""
    site = make_site(tmp_path, TRICKY)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    out = site / "build"
    html = (out / "kelurahan/purwantoro/umkm/keripik-tempe/index.html").read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), ids
    assert {"produk", "jam", "lokasi"} <= set(ids)  # the theme's sections keep their ids
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    result = run_vnu(out)
    assert result.returncode == 0, (result.stdout + result.stderr)[:5000]


@pytest.mark.parametrize("extra", ["", "-- content/kelurahan/kauman/_index.md --\n---\nkode: \"35.73.02.1001\"\n"
                                       "deskripsi: Kelurahan kedua.\nkim:\n  ada: false\n---\nProfil.\n"],
                         ids=["single-microsite", "portal"])
def test_small_sites_have_no_broken_link_under_a_sub_path(tmp_path, extra):
    site = make_site(tmp_path, extra)
    out = tmp_path / "out"
    result = build_site(site, "-o", str(out), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    files = read_tree(out)
    assert check_links(files, "/repo/", site_url=BASE_URL) == []
    single = "kauman" not in extra
    assert (b'http-equiv="refresh"' in files["kelurahan/purwantoro/index.html"]) == single


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig")
    return yaml.safe_load(text.split("---", 2)[1]) or {}


def test_portal_home_shows_every_kecamatan_kelurahan_category_count_and_kim_coverage(bundled):
    """Expected numbers come from the repository's own data files, read independently of kimsite."""
    with open(REPO / "data" / "wilayah.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    kecamatan = sorted({row["kecamatan"] for row in rows})
    indexes = sorted((REPO / "content" / "kelurahan").glob("*/_index.md"))
    with_kim = sum(1 for path in indexes if (front_matter(path).get("kim") or {}).get("ada") is True)
    umkm = [front_matter(p) for p in sorted((REPO / "content" / "kelurahan").glob("*/umkm/**/*.md"))]
    home = BeautifulSoup((bundled / "index.html").read_text(encoding="utf-8"), "html.parser")
    text = home.get_text(" ", strip=True)
    assert len(rows) == 57 and len(kecamatan) == 5
    for name in kecamatan:
        assert home.find(string=name) is not None, name
    for row in rows:
        assert row["kelurahan"] in text, row["kelurahan"]
    assert f"{with_kim} dari 57 kelurahan punya KIM" in text
    assert f"{len(indexes)} kelurahan sudah punya situs" in text
    chips = {a.get_text(" ", strip=True).rsplit(" ", 1)[0]: int(a.select_one(".count").get_text())
             for a in home.select_one("#kategori").find_next("ul").find_all("a")}
    names = {c["slug"]: c["nama"] for c in yaml.safe_load((REPO / "site.yaml").read_text())["kategori_umkm"]}
    expected = {names[slug]: sum(1 for u in umkm if u.get("kategori") == slug) for slug in names}
    assert chips == expected
    assert sum(chips.values()) == len(umkm) >= 30


def test_an_english_portal_is_valid_and_its_links_resolve(tmp_path):
    site = make_site(tmp_path, """
-- site.yaml --
nama: Test Portal
url: https://contoh.github.io/uji/
deskripsi: A small English portal.
bahasa: en
pengelola:
  nama: KIM Test
  jenis: kim
-- content/kelurahan/kauman/_index.md --
---
kode: "35.73.02.1001"
deskripsi: A second kelurahan.
kim:
  ada: false
---
Profile.
-- content/kelurahan/kauman/agenda/2026-12-01-market.md --
---
judul: Night market
mulai: 2026-12-01 18:00
selesai: 2026-12-01 22:00
lokasi: {nama: Town square, lat: -7.98, lon: 112.63}
penyelenggara: KIM Test
biaya: 5000
---
Food stalls.
-- content/kelurahan/kauman/berita/2026-11-02-cleanup.md --
---
judul: Clean-up day
tanggal: 2026-11-02
penulis: KIM Test
umkm_terkait: [purwantoro/keripik-tempe]
---
We cleaned the river [with them](../../purwantoro/umkm/keripik-tempe.md).
""")
    out = tmp_path / "out"
    result = build_site(site, "-o", str(out), "--base-url", BASE_URL, "--strict")
    assert result.exit_code == 0, result.output
    assert check_links(read_tree(out), "/repo/", site_url=BASE_URL) == []
    news = BeautifulSoup((out / "kelurahan/kauman/berita/cleanup/index.html").read_text(), "html.parser")
    assert news.html["lang"] == "en" and news.select_one("article time").get_text() == "Monday, 2 November 2026"
    result = run_vnu(out)
    assert result.returncode == 0, (result.stdout + result.stderr)[:5000]
