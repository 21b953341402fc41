"""JSON-LD: every block on every page parses and carries the fields its type needs; content can never
break out of the script element; the values come from the content (phone, prices, hours, status)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitetools import build_site, make_site, page

from kimsite.structured import BUSINESS_TYPES, international_phone

REPO = Path(__file__).resolve().parent.parent
BASE_URL = "https://kim-malang.github.io/kimsite/"
BUSINESS = {"LocalBusiness", *BUSINESS_TYPES.values()}
SCHEMA_EVENT_STATUS = {"https://schema.org/EventScheduled", "https://schema.org/EventCancelled",
                       "https://schema.org/EventPostponed", "https://schema.org/EventRescheduled"}


def blocks(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("ld") / "out"
    result = build_site(REPO, "-o", str(out))
    assert result.exit_code == 0, result.output
    pages = {}
    for file in sorted(out.rglob("*.html")):
        soup = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
        pages[file.relative_to(out).as_posix()] = soup
    return pages


def check_required(data: dict, where: str) -> None:
    kind = data["@type"]
    assert data["@context"] == "https://schema.org", where
    if kind == "BreadcrumbList":
        items = data["itemListElement"]
        assert len(items) >= 2, where
        assert [i["position"] for i in items] == list(range(1, len(items) + 1)), where
        for item in items:
            assert item["name"].strip() and item["item"].startswith(BASE_URL), (where, item)
    elif kind in BUSINESS:
        assert data["name"] and data["url"].startswith(BASE_URL), where
        assert data["address"]["addressCountry"] == "ID", where
        assert data["telephone"].startswith("+62") and data["telephone"][1:].isdigit(), where
        for offer in data.get("makesOffer", []):
            assert offer["itemOffered"]["@type"] == "Product" and offer["itemOffered"]["name"], where
            if "price" in offer:
                assert offer["priceCurrency"] == "IDR" and isinstance(offer["price"], int), where
        for spec in data.get("openingHoursSpecification", []):
            assert spec["dayOfWeek"] and len(spec["opens"]) == 5 and len(spec["closes"]) == 5, where
    elif kind == "NewsArticle":
        assert 0 < len(data["headline"]) <= 110, where
        assert data["datePublished"][:4].isdigit() and "T" in data["datePublished"], where
        assert data["author"]["name"] and data["publisher"]["name"], where
    elif kind == "Event":
        assert data["name"] and data["startDate"] and data["location"]["name"], where
        assert data["eventStatus"] in SCHEMA_EVENT_STATUS, where
    elif kind in ("GovernmentOffice", "Organization"):
        assert data["name"] and data["url"].startswith(BASE_URL), where
    elif kind == "WebSite":
        target = data["potentialAction"]["target"]["urlTemplate"]
        assert target == BASE_URL + "cari/?q={search_term_string}", where
    else:
        pytest.fail(f"{where}: unexpected @type {kind}")


def test_every_block_parses_and_has_required_fields(bundled):
    seen: dict[str, int] = {}
    for rel, soup in bundled.items():
        for data in blocks(soup):
            check_required(data, rel)
            seen[data["@type"]] = seen.get(data["@type"], 0) + 1
    for kind in ("BreadcrumbList", "NewsArticle", "Event", "GovernmentOffice", "Organization", "WebSite"):
        assert seen.get(kind), f"no {kind} anywhere: {seen}"
    assert seen.get("FoodEstablishment"), seen  # the bundled site has kuliner UMKM


def test_breadcrumbs_on_every_page_but_the_home_and_error_pages(bundled):
    for rel, soup in bundled.items():
        if rel in ("index.html", "404.html") or soup.find("meta", attrs={"http-equiv": "refresh"}):
            continue
        crumbs = [d for d in blocks(soup) if d["@type"] == "BreadcrumbList"]
        assert len(crumbs) == 1, rel
        canonical = soup.find("link", rel="canonical")["href"]
        list_page = re.sub(r"halaman/\d+/$", "", canonical)  # page 2 of a list sits under the list
        assert crumbs[0]["itemListElement"][-1]["item"] == list_page, rel
        shown = [li.get_text(strip=True) for li in soup.select("nav.breadcrumb li")]
        assert [i["name"] for i in crumbs[0]["itemListElement"]] == shown, rel


def test_page_kinds_get_their_types(bundled):
    def types(rel: str) -> set[str]:
        return {d["@type"] for d in blocks(bundled[rel])}

    assert {"WebSite", "Organization"} <= types("index.html")
    assert "FoodEstablishment" in types("kelurahan/purwantoro/umkm/sambal-pecel-mbak-yuni/index.html") or \
        "Store" in types("kelurahan/purwantoro/umkm/keripik-tempe-bu-sri/index.html")
    assert {"GovernmentOffice", "Organization", "BreadcrumbList"} <= types("kelurahan/purwantoro/index.html")
    assert "NewsArticle" in types("kelurahan/purwantoro/berita/menengok-dapur-tempe-sanan/index.html")
    assert "Event" in types("kelurahan/purwantoro/agenda/bazar-umkm-sanan/index.html")


UMKM_KULINER = """
-- content/kelurahan/purwantoro/umkm/warung.md --
---
nama: "Warung </script><script>alert(1)</script> & <!-- Bu Tini"
kategori: kuliner
kontak:
  whatsapp: "0812-1111-2222"
  telepon: "(0341) 551234"
diperbarui: 2026-10-01
alamat: "Jl. Contoh 1"
lokasi:
  lat: -7.96
  lon: 112.64
jam_buka:
  - hari: [senin, jumat]
    buka: "07:00"
    tutup: "15:30"
produk:
  - nama: "Nasi pecel </script>"
    harga: 12000
  - nama: "Es teh"
    tersedia: false
sosmed:
  instagram: warung.contoh
---
Warung makan rumahan dengan menu pecel, rawon dan soto setiap hari kecuali hari Minggu.
-- content/kelurahan/purwantoro/agenda/2026-12-01-rapat.md --
---
judul: Rapat warga
mulai: 2026-12-01T19:00:00+07:00
lokasi:
  nama: Balai RW
penyelenggara: KIM Uji
biaya: 0
status: batal
---
Rapat warga bulanan dibatalkan karena hujan.
"""


def test_umkm_values_and_escaping(tmp_path):
    site = make_site(tmp_path, UMKM_KULINER)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    soup = page(site, "kelurahan/purwantoro/umkm/warung/")
    raw = [s.string for s in soup.find_all("script", type="application/ld+json")]
    assert all("</script" not in r.lower() and "<!--" not in r for r in raw)
    business = next(d for d in blocks(soup) if d["@type"] == "FoodEstablishment")
    assert business["name"] == "Warung </script><script>alert(1)</script> & <!-- Bu Tini"
    assert business["telephone"] == "+62341551234"
    assert business["contactPoint"]["telephone"] == "+6281211112222"
    assert business["geo"] == {"@type": "GeoCoordinates", "latitude": -7.96, "longitude": 112.64}
    assert business["openingHoursSpecification"] == [{
        "@type": "OpeningHoursSpecification", "dayOfWeek": ["Monday", "Friday"], "opens": "07:00", "closes": "15:30"}]
    assert business["sameAs"] == ["https://www.instagram.com/warung.contoh/"]
    first, second = business["makesOffer"]
    assert (first["price"], first["priceCurrency"]) == (12000, "IDR")
    assert first["itemOffered"]["name"] == "Nasi pecel </script>"
    assert first["availability"] == "https://schema.org/InStock"
    assert "price" not in second and second["availability"] == "https://schema.org/OutOfStock"
    # Only one script element was opened per block: the fake closing tag stayed text.
    assert len(soup.find_all("script", type="application/ld+json")) == 2  # business + breadcrumbs

    event = next(d for d in blocks(page(site, "kelurahan/purwantoro/agenda/rapat/")) if d["@type"] == "Event")
    assert event["eventStatus"] == "https://schema.org/EventCancelled"
    assert event["startDate"] == "2026-12-01T19:00:00+07:00"
    assert event["isAccessibleForFree"] is True and event["offers"]["price"] == 0


@pytest.mark.parametrize(("written", "expected"), [
    ("0812-3456-7890", "+6281234567890"),
    ("(0341) 551234", "+62341551234"),
    ("6281234567890", "+6281234567890"),
    ("+62 341 551234", "+62341551234"),
    ("", ""),
])
def test_international_phone(written, expected):
    assert international_phone(written) == expected


def test_single_microsite_home_describes_the_office_at_the_site_root(tmp_path):
    site = make_site(tmp_path)  # one kelurahan folder: its home is the site's home
    assert build_site(site).exit_code == 0
    found = {d["@type"]: d for d in blocks(page(site, "/"))}
    assert found["GovernmentOffice"]["url"] == "https://contoh.github.io/uji/"
    assert found["GovernmentOffice"]["name"] == "Kantor Kelurahan Purwantoro"
    assert found["Organization"]["name"] == "KIM Purwantoro Uji"
    assert found["Organization"]["areaServed"]["name"] == "Kelurahan Purwantoro"
