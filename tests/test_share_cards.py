"""Share cards and link previews: every UMKM, berita, agenda and kelurahan page has a 1200×630 JPEG
under 300 KB as `og:image` (absolute, under the base URL), the Open Graph / Twitter tags around it,
a "Bagikan ke WhatsApp" link and a copy-link button that degrades to the printed address."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from browser import chromium_browser, serve  # noqa: F401 - `chromium_browser` is a fixture
from PIL import Image
from sitetools import SOURCE_DATE_EPOCH, build_site, make_site, page

from kimsite.build import BuildOptions, build
from kimsite.cards import CARD_FILE, CardSpec, render_card

BASE_URL = "https://contoh.github.io/uji/"
KEL = "content/kelurahan/purwantoro"
PAGES = {  # URL → og:type
    "": "website",  # one kelurahan folder: the site is its microsite, the kelurahan page is the home
    "kelurahan/purwantoro/umkm/keripik-tempe/": "website",
    "kelurahan/purwantoro/berita/bazar/": "article",
    "kelurahan/purwantoro/agenda/senam/": "website",
}
SPEC = f"""
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
  - nama: Keripik kecil
    harga: 15000
  - nama: Keripik besar
    harga: 27500
---
Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
-- {KEL}/berita/2026-11-01-bazar.md --
---
judul: Bazar UMKM Purwantoro
tanggal: 2026-11-01
penulis: Admin KIM
foto_sampul: {{src: ../umkm/keripik.png, alt: Keripik di meja bazar}}
---
Bazar UMKM di balai kelurahan diikuti dua puluh pelaku usaha.
-- {KEL}/agenda/senam.md --
---
judul: Senam Sehat Bersama
mulai: 2026-12-06T06:00:00+07:00
lokasi:
  nama: Lapangan Purwantoro
penyelenggara: KIM Purwantoro
---
Senam bersama warga setiap Minggu pagi.
"""


def noisy_photo(width: int, height: int) -> bytes:
    """A photo that compresses badly (noise): a naive 1200×630 JPEG of it is far over 300 KB."""
    img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def og(html, prop: str) -> str | None:
    tag = html.find("meta", attrs={"property": prop}) or html.find("meta", attrs={"name": prop})
    return tag["content"] if tag else None


def card_file(site: Path, image_url: str) -> Path:
    assert image_url.startswith(BASE_URL), image_url
    return site / "build" / image_url[len(BASE_URL):]


def test_every_shareable_page_has_a_card_and_the_tags_around_it(tmp_path):
    site = make_site(tmp_path, SPEC)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    for url, og_type in PAGES.items():
        html = page(site, url)
        image = og(html, "og:image")
        assert image == BASE_URL + url + CARD_FILE
        path = card_file(site, image)
        assert path.is_file(), path
        assert path.stat().st_size < 300_000
        with Image.open(path) as img:
            assert img.format == "JPEG" and img.size == (1200, 630)
            assert not img.getexif() and "icc_profile" not in img.info
        assert og(html, "og:image:width") == "1200" and og(html, "og:image:height") == "630"
        assert og(html, "og:image:alt")
        assert og(html, "og:url") == BASE_URL + url
        assert og(html, "og:type") == og_type
        assert og(html, "og:locale") == "id_ID"
        assert og(html, "og:title") and og(html, "og:description")
        assert og(html, "twitter:card") == "summary_large_image"
    umkm = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert og(umkm, "og:title") == "Keripik Tempe Bu Sri"
    assert og(umkm, "og:image:alt") == "Keripik Tempe Bu Sri · mulai Rp15.000 · Kelurahan Purwantoro"
    berita = page(site, "kelurahan/purwantoro/berita/bazar/")
    assert "1 November 2026" in og(berita, "og:image:alt")
    # Every og:image of every page exists and fits WhatsApp's limit.
    for html_file in (site / "build").rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        if 'property="og:image"' in text:
            from bs4 import BeautifulSoup

            path = card_file(site, og(BeautifulSoup(text, "html.parser"), "og:image"))
            with Image.open(path) as img:
                assert img.size == (1200, 630) and path.stat().st_size < 300_000, path


def test_pages_without_a_card_still_describe_themselves(tmp_path):
    site = make_site(tmp_path, SPEC)
    assert build_site(site).exit_code == 0
    listing = page(site, "kelurahan/purwantoro/umkm/")
    assert og(listing, "og:image") is None
    assert og(listing, "twitter:card") == "summary"
    assert og(listing, "og:url") == BASE_URL + "kelurahan/purwantoro/umkm/"


def test_english_site_and_sub_path(tmp_path):
    site = make_site(tmp_path, SPEC)
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "bahasa: en\n", encoding="utf-8")
    result = build_site(site, "--base-url", "https://contoh.org/kota/malang/")
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert og(html, "og:locale") == "en_US"
    assert og(html, "og:image") == "https://contoh.org/kota/malang/kelurahan/purwantoro/umkm/keripik-tempe/" + CARD_FILE
    assert "from Rp15,000" in og(html, "og:image:alt") or "from Rp15.000" in og(html, "og:image:alt")


def test_share_box_whatsapp_link_and_copy_button(tmp_path):
    site = make_site(tmp_path, SPEC)
    assert build_site(site).exit_code == 0
    for url in PAGES:
        html = page(site, url)
        box = html.select_one("main .bagikan")
        assert box is not None, url
        link = box.find("a", href=lambda h: h and h.startswith("https://wa.me/?text="))
        assert link is not None and link.get_text(strip=True) == "Bagikan ke WhatsApp"
        text = parse_qs(urlsplit(link["href"]).query)["text"][0]
        assert text.endswith(" " + BASE_URL + url)
        button = box.find("button")
        assert button["type"] == "button" and button.get_text(strip=True) == "Salin tautan"
        assert button.has_attr("hidden")  # shown by the script; without it the address below is the way
        assert button["data-salin"] == BASE_URL + url
        assert box.select_one(".tautan").get_text() == BASE_URL + url
        assert box.select_one("[role=status]") is not None
        script = html.find("script", src=lambda s: s and s.endswith("js/bagikan.js"))
        assert script is not None and script.has_attr("defer")
        assert (site / "build" / url / script["src"]).resolve().is_file()
    umkm = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    wa = umkm.select_one(".bagikan a")["href"]
    assert parse_qs(urlsplit(wa).query)["text"][0].startswith("Keripik Tempe Bu Sri ")


def test_cards_are_cached_and_follow_their_content(tmp_path, monkeypatch):
    monkeypatch.setenv("KIMSITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path, SPEC)
    card = "kelurahan/purwantoro/umkm/keripik-tempe/" + CARD_FILE
    first = build(BuildOptions(site, out_dir=tmp_path / "satu"))
    assert first.images_encoded > 0
    again = build(BuildOptions(site, out_dir=tmp_path / "dua"))
    assert again.images_encoded == 0
    assert (tmp_path / "satu" / card).read_bytes() == (tmp_path / "dua" / card).read_bytes()
    umkm = site / KEL / "umkm/keripik-tempe.md"
    umkm.write_text(umkm.read_text(encoding="utf-8").replace("harga: 15000", "harga: 12000"), encoding="utf-8")
    changed = build(BuildOptions(site, out_dir=tmp_path / "tiga"))
    assert changed.images_encoded == 1  # only this card: its price changed; the photo did not
    assert (tmp_path / "tiga" / card).read_bytes() != (tmp_path / "dua" / card).read_bytes()


def test_a_noisy_photo_still_gives_a_card_under_300_kb(tmp_path):
    photo = tmp_path / "bising.jpg"
    photo.write_bytes(noisy_photo(1600, 1000))
    spec = CardSpec("/x/" + CARD_FILE, "Nama usaha yang sangat panjang sekali sampai harus dipotong di baris kedua "
                    "karena tidak muat lagi di kartu", "mulai Rp1.500.000", "Kelurahan Purwantoro", "Situs Uji", photo)
    data = render_card(spec)
    assert len(data) < 300_000
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (1200, 630)


def test_copy_button_copies_with_script_and_the_address_shows_without(tmp_path, chromium_browser):  # noqa: F811
    site = make_site(tmp_path, SPEC)
    assert build_site(site).exit_code == 0
    url = "kelurahan/purwantoro/umkm/keripik-tempe/"
    with serve(site / "build") as base:
        context = chromium_browser.new_context(viewport={"width": 412, "height": 915},
                                               permissions=["clipboard-read", "clipboard-write"])
        tab = context.new_page()
        tab.goto(f"{base}/{url}")
        button = tab.get_by_role("button", name="Salin tautan")
        assert button.is_visible()
        assert button.bounding_box()["height"] >= 44  # a tap target
        button.click()
        tab.wait_for_function("document.querySelector('.bagikan [role=status]').textContent !== ''")
        assert tab.locator(".bagikan [role=status]").inner_text() == "Tautan disalin."
        assert tab.evaluate("navigator.clipboard.readText()") == BASE_URL + url
        context.close()

        without = chromium_browser.new_context(java_script_enabled=False)
        tab = without.new_page()
        tab.goto(f"{base}/{url}")
        assert tab.locator(".bagikan button").is_hidden()
        assert tab.locator(".bagikan .tautan").inner_text() == BASE_URL + url
        assert tab.get_by_role("link", name="Bagikan ke WhatsApp").is_visible()
        without.close()
