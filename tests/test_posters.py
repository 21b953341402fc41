"""Printable UMKM posters: the QR codes decode (like a phone would) to the page and the WhatsApp
order link, print CSS sets the paper and hides the navigation, and the pages are valid HTML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import CHROME_ARGS, CHROMIUM, have_chromium
from PIL import Image
from sitetools import build_site, make_site, page

REPO = Path(__file__).resolve().parent.parent
VNU = REPO / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
KEL = "content/kelurahan/purwantoro"

SITE = f"""
-- {KEL}/umkm/keripik-tempe.md --
---
nama: Keripik Tempe Bu Sri
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2026-10-01
foto:
  - src: keripik.png
    alt: Keripik tempe dalam kemasan
produk:
  - nama: Keripik Original
    harga: 15000
    satuan: bungkus 250 g
  - nama: Keripik Pedas
    harga: 17000
  - nama: Paket Habis
    harga: 5000
    tersedia: false
  - nama: Keripik Balado
    harga: 18000
  - nama: Keripik Keju
    harga: 19000
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
-- {KEL}/umkm/keripik.png --
<png>
-- {KEL}/umkm/jahit.md --
---
nama: Kue "Bu" <Sri> & Co
kategori: jasa
kontak:
  telepon: "(0341) 551234"
diperbarui: 2026-10-01
foto:
  - src: keripik.png
    alt: Etalase kue
---
Kue basah dan jajan pasar, dibuat setiap subuh dan diantar ke warung sekitar.
"""
PAGE_URL = "https://contoh.github.io/uji/kelurahan/purwantoro/umkm/keripik-tempe/"


def svg_matrix_image(svg) -> Image.Image:  # noqa: ANN001 - a bs4 Tag
    """Rasterise segno's SVG path (`M x y`, `m dx dy`, `h n`): what a phone's camera would see."""
    width, height = (int(float(v)) for v in svg["viewbox"].split()[2:])
    dark = next(p for p in svg.find_all("path") if p.get("stroke"))
    image = Image.new("L", (width, height), 255)
    pixels = image.load()
    x = y = 0.0
    for command, a, b in re.findall(r"([A-Za-z])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", dark["d"]):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        elif command == "h":
            for step in range(int(float(a))):
                pixels[int(x) + step, int(y)] = 0
            x += float(a)
        else:
            raise AssertionError(f"unexpected SVG path command {command}")
    return image.resize((width * 8, height * 8), Image.NEAREST)


def decode(svg) -> str:  # noqa: ANN001
    import zxingcpp

    found = zxingcpp.read_barcodes(svg_matrix_image(svg))
    assert len(found) == 1, "the QR code does not decode"
    return found[0].text


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("poster"), SITE)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    return site


def test_poster_qr_codes_decode_to_the_page_and_a_whatsapp_order_link(built):
    soup = page(built, "kelurahan/purwantoro/umkm/keripik-tempe/poster/")
    codes = soup.select(".poster svg.qr")
    assert len(codes) == 2
    assert decode(codes[0]) == PAGE_URL
    order = decode(codes[1])
    parts = urlsplit(order)
    assert (parts.scheme, parts.netloc) == ("https", "wa.me")
    assert re.fullmatch(r"/628[1-9]\d{6,10}", parts.path) and parts.path == "/6281234567890"
    assert "Keripik Tempe Bu Sri" in parse_qs(parts.query)["text"][0]
    assert [c["aria-label"] for c in codes] == ["Lihat produk: Keripik Tempe Bu Sri",
                                                "Pesan via WhatsApp: Keripik Tempe Bu Sri"]


def test_poster_shows_name_photo_and_the_best_available_products(built):
    poster = page(built, "kelurahan/purwantoro/umkm/keripik-tempe/poster/").select_one(".poster")
    assert poster.h1.get_text(strip=True) == "Keripik Tempe Bu Sri"
    assert poster.select_one("img.poster-foto")["alt"] == "Keripik tempe dalam kemasan"
    items = [li.get_text(" ", strip=True) for li in poster.select(".poster-produk li")]
    assert items == ["Keripik Original Rp15.000 / bungkus 250 g", "Keripik Pedas Rp17.000",
                     "Keripik Balado Rp18.000"]  # three, the sold-out one left out


def test_the_qr_follows_the_base_url(tmp_path):
    site = make_site(tmp_path, SITE)
    result = build_site(site, "--base-url", "https://kim.example.org/situs")
    assert result.exit_code == 0, result.output
    soup = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/poster/")
    assert decode(soup.select(".poster svg.qr")[0]) == \
        "https://kim.example.org/situs/kelurahan/purwantoro/umkm/keripik-tempe/"


def test_names_are_escaped_and_no_whatsapp_means_one_code(built):
    soup = page(built, "kelurahan/purwantoro/umkm/jahit/poster/")
    poster = soup.select_one(".poster")
    assert poster.h1.get_text() == 'Kue "Bu" <Sri> & Co'
    assert soup.find("sri") is None
    codes = poster.select("svg.qr")
    assert len(codes) == 1
    assert codes[0]["aria-label"] == 'Lihat produk: Kue "Bu" <Sri> & Co'
    raw = (built / "build/kelurahan/purwantoro/umkm/jahit/poster/index.html").read_text(encoding="utf-8")
    assert "<Sri>" not in raw and "&lt;Sri&gt;" in raw


def test_all_posters_of_a_kelurahan_on_one_page(built):
    soup = page(built, "kelurahan/purwantoro/umkm/poster/")
    names = [h.get_text() for h in soup.select(".poster h2")]
    assert sorted(names) == ["Keripik Tempe Bu Sri", 'Kue "Bu" <Sri> & Co']
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    sitemap = (built / "build/sitemap.xml").read_text(encoding="utf-8")
    assert "/poster/" not in sitemap


def test_print_css_sets_the_paper_and_hides_the_navigation(built):
    soup = page(built, "kelurahan/purwantoro/umkm/keripik-tempe/poster/")
    hrefs = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert any(h.endswith("css/poster.css") for h in hrefs)
    css = (built / "build/css/poster.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*105mm 148mm", css)  # A6
    assert re.search(r"@page a4\s*\{[^}]*size:\s*A4", css)
    rule = re.search(r"@media print\s*\{\s*([^{]+)\{([^}]*)\}", css)
    selectors = {s.strip() for s in rule.group(1).split(",")}
    assert {".site-header", "nav", ".site-footer", ".breadcrumb", ".poster-pilihan"} <= selectors
    assert "display: none" in rule.group(2)


def test_poster_pages_are_valid_html(built):
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        if os.environ.get("CI"):
            pytest.fail("java or the Nu validator is missing on CI (scripts/test installs both)")
        pytest.skip("java or tools/node_modules/vnu-jar missing (run `bash scripts/test`)")
    pages = sorted(str(p) for p in (built / "build").rglob("poster/index.html"))
    assert len(pages) == 3
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "gnu", *pages],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _print_pdf(html: Path, tmp_path: Path) -> list[tuple[int, int]]:
    """Print `html` with headless Chromium (its own process, no Playwright); (width, height) in points
    of each page. Chromium's command-line printing follows the page's CSS `@page size`."""
    if not have_chromium():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    pdf_path = tmp_path / f"{html.stem}.pdf"
    subprocess.run([CHROMIUM, "--headless=new", *CHROME_ARGS, f"--user-data-dir={tmp_path / 'profil'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html.as_uri()],
                   capture_output=True, timeout=120, check=False)
    pdf = pdf_path.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    sizes = {(round(float(w)), round(float(h)))
             for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert len(sizes) == 1, sizes
    return [sizes.pop()] * count


def _choose_a4(html: Path) -> Path:
    """The same page with A4 chosen (what ticking the A4 radio does), saved beside it."""
    text = html.read_text(encoding="utf-8")
    text = text.replace(' value="a6" checked', ' value="a6"').replace(' value="a4"', ' value="a4" checked')
    chosen = html.with_name("a4.html")
    chosen.write_text(text, encoding="utf-8")
    return chosen


def test_printing_gives_a6_or_a4_pages(built, tmp_path):
    one = built / "build/kelurahan/purwantoro/umkm/keripik-tempe/poster/index.html"
    assert _print_pdf(one, tmp_path) == [(298, 420)]  # A6: 105 × 148 mm, one page
    assert _print_pdf(_choose_a4(one), tmp_path) == [(595, 842)]  # A4
    every = built / "build/kelurahan/purwantoro/umkm/poster/index.html"
    assert _print_pdf(every, tmp_path) == [(298, 420)] * 2  # one poster per page
    assert _print_pdf(_choose_a4(every), tmp_path) == [(595, 842)] * 2


def test_umkm_page_and_kelurahan_list_link_to_the_posters(built):
    umkm = page(built, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert umkm.select_one(".poster-link a")["href"] == "poster/"
    listing = page(built, "kelurahan/purwantoro/umkm/")
    assert listing.select_one(".poster-link a")["href"] == "poster/"
    assert page(built, "umkm/").select_one(".poster-link") is None  # the city-wide list has no print page
