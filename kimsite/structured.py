"""Structured data (schema.org JSON-LD) for every page kind, as plain dicts.

Pure functions: they take the content models and an `abs_url(site_path) -> absolute URL` function
and return dicts; the theme prints them with the `jsonld` filter (which escapes `<`, `>` and `&`, so
no content can leave the `<script type="application/ld+json">` element). Empty values are dropped,
so a UMKM without an address gets no empty `address`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from kimsite.config import SiteConfig
from kimsite.content import Agenda, Berita, ImageRef, Kelurahan, Location, Umkm
from kimsite.formats import plain_words

AbsUrl = Callable[[str], str]
CONTEXT = "https://schema.org"

# Category slug → the most fitting LocalBusiness subtype; anything else stays LocalBusiness.
BUSINESS_TYPES = {
    "kuliner": "FoodEstablishment",
    "toko-kelontong": "GroceryStore",
    "fesyen": "ClothingStore",
    "kesehatan-kecantikan": "HealthAndBeautyBusiness",
    "kerajinan": "Store",
    "oleh-oleh": "Store",
}
DAYS = {
    "senin": "Monday", "selasa": "Tuesday", "rabu": "Wednesday", "kamis": "Thursday",
    "jumat": "Friday", "sabtu": "Saturday", "minggu": "Sunday",
}
EVENT_STATUS = {
    "terjadwal": "https://schema.org/EventScheduled",
    "selesai": "https://schema.org/EventScheduled",  # schema.org has no "completed"; the date says it
    "ditunda": "https://schema.org/EventPostponed",
    "batal": "https://schema.org/EventCancelled",
}
HEADLINE_MAX = 110  # Google's limit for Article headlines


def clean(value: Any) -> Any:
    """Drop empty strings, lists, dicts and None (recursively), keep 0 and False."""
    if isinstance(value, dict):
        out = {k: clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [clean(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def international_phone(number: str) -> str:
    """`0812-3456-7890`, `(0341) 551234` or `6281…` → `+62…` (schema.org wants a dialable number)."""
    digits = "".join(c for c in number if c.isdigit())
    if not digits:
        return ""
    if number.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("62"):
        return "+" + digits
    if digits.startswith("0"):
        return "+62" + digits[1:]
    return "+62" + digits


def _geo(loc: Location | None) -> dict[str, Any] | None:
    return {"@type": "GeoCoordinates", "latitude": loc.lat, "longitude": loc.lon} if loc else None


def _images(refs: Iterable[ImageRef | None], abs_url: AbsUrl) -> list[str]:
    return [abs_url(r.url) for r in refs if r is not None]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _address(street: str, locality: str, config: SiteConfig, postal: str = "") -> dict[str, Any]:
    return {
        "@type": "PostalAddress",
        "streetAddress": street,
        "postalCode": postal,
        "addressLocality": locality,
        "addressRegion": config.provinsi,
        "addressCountry": "ID",
    }


def _locality(kelurahan: str, config: SiteConfig) -> str:
    return f"{kelurahan}, {config.kota}" if config.kota else kelurahan


def _summary(html: str, limit: int = 300) -> str:
    """Plain text of rendered Markdown, cut at a word boundary."""
    return _cut(plain_words(html), limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def breadcrumb_list(home_label: str, crumbs: Iterable[tuple[str, str]], abs_url: AbsUrl) -> dict[str, Any]:
    """The visible breadcrumb trail (home first) as a `BreadcrumbList`."""
    trail = [(home_label, "/"), *crumbs]
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": index, "name": label, "item": abs_url(target)}
            for index, (label, target) in enumerate(trail, start=1)
        ],
    }


def business_type(kategori: str) -> str:
    return BUSINESS_TYPES.get(kategori, "LocalBusiness")


def local_business(umkm: Umkm, kelurahan_name: str, config: SiteConfig, abs_url: AbsUrl) -> dict[str, Any]:
    """A UMKM as `LocalBusiness` (or a subtype), its products as `Offer`s of `Product`s in rupiah."""
    offers = []
    for product in umkm.produk:
        offer: dict[str, Any] = {
            "@type": "Offer",
            "priceCurrency": "IDR",
            "price": product.harga,
            "availability": "https://schema.org/InStock" if product.tersedia else "https://schema.org/OutOfStock",
            "url": abs_url(umkm.url),
            "itemOffered": {
                "@type": "Product",
                "name": product.nama,
                "image": _images([product.foto], abs_url),
            },
        }
        if product.harga is None:
            del offer["price"], offer["priceCurrency"]
        offers.append(offer)
    hours = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [DAYS[d] for d in j.hari if d in DAYS],
         "opens": j.buka, "closes": j.tutup}
        for j in umkm.jam_buka
    ]
    same_as = [link for _name, link in umkm.marketplace] + [link for _name, link in umkm.sosmed]
    phone = umkm.telepon or umkm.whatsapp
    data = {
        "@context": CONTEXT,
        "@type": business_type(umkm.kategori),
        "@id": abs_url(umkm.url) + "#usaha",
        "name": umkm.title,
        "url": abs_url(umkm.url),
        "description": _summary(umkm.body_html),
        "image": _images(umkm.foto, abs_url),
        "telephone": international_phone(phone) if phone else "",
        "address": _address(umkm.alamat, _locality(kelurahan_name, config), config),
        "geo": _geo(umkm.lokasi),
        "openingHoursSpecification": hours,
        "sameAs": same_as,
        "makesOffer": offers,
    }
    if umkm.whatsapp and umkm.telepon:
        data["contactPoint"] = {"@type": "ContactPoint", "contactType": "customer service",
                                "telephone": international_phone(umkm.whatsapp)}
    return clean(data)


def news_article(berita: Berita, publisher_name: str, config: SiteConfig, abs_url: AbsUrl) -> dict[str, Any]:
    headline = berita.title if len(berita.title) <= HEADLINE_MAX else berita.title[: HEADLINE_MAX - 1] + "…"
    return clean({
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": headline,
        "url": abs_url(berita.url),
        "mainEntityOfPage": abs_url(berita.url),
        "datePublished": _iso(berita.tanggal),
        "description": berita.ringkasan or _cut(berita.body_text, 160),  # body_text: the same words, 300 of them
        "image": _images([berita.foto_sampul, *berita.galeri], abs_url),
        "author": {"@type": "Person", "name": berita.penulis},
        "publisher": {"@type": "Organization", "name": publisher_name, "url": config.url},
        "keywords": list(berita.tag),
        "inLanguage": config.bahasa,
    })


def event(agenda: Agenda, kelurahan_name: str, config: SiteConfig, abs_url: AbsUrl) -> dict[str, Any]:
    place: dict[str, Any] | None = None
    if agenda.lokasi is not None:
        place = {
            "@type": "Place",
            "name": agenda.lokasi.nama,
            "address": _address(agenda.lokasi.alamat or agenda.lokasi.nama, _locality(kelurahan_name, config),
                                config),
            "geo": _geo(agenda.lokasi.lokasi),
        }
    offers = None
    if agenda.biaya is not None:
        offers = {"@type": "Offer", "price": agenda.biaya, "priceCurrency": "IDR", "url": abs_url(agenda.url),
                  "availability": "https://schema.org/InStock"}
    return clean({
        "@context": CONTEXT,
        "@type": "Event",
        "name": agenda.title,
        "url": abs_url(agenda.url),
        "startDate": _iso(agenda.mulai),
        "endDate": _iso(agenda.selesai),
        "eventStatus": EVENT_STATUS.get(agenda.status, EVENT_STATUS["terjadwal"]),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place,
        "organizer": {"@type": "Organization", "name": agenda.penyelenggara},
        "offers": offers,
        "isAccessibleForFree": agenda.biaya == 0 if agenda.biaya is not None else None,
        "description": _summary(agenda.body_html),
    })


def government_office(page: Kelurahan, name: str, url: str, config: SiteConfig, abs_url: AbsUrl) -> dict[str, Any]:
    """The kelurahan office (`GovernmentOffice`), named after the kelurahan."""
    kantor = page.kantor
    return clean({
        "@context": CONTEXT,
        "@type": "GovernmentOffice",
        "@id": abs_url(url) + "#kantor",
        "name": f"Kantor Kelurahan {name}",
        "url": abs_url(url),
        "description": page.deskripsi,
        "image": _images([page.foto_sampul], abs_url),
        "address": _address(kantor.alamat, _locality(name, config), config, kantor.kode_pos),
        "telephone": international_phone(kantor.telepon) if kantor.telepon else "",
        "email": kantor.email,
        "geo": _geo(kantor.lokasi),
        "hoursAvailable": kantor.jam_layanan,
        "alternateName": list(page.alias),
    })


def kim_organization(page: Kelurahan, kelurahan_name: str, url: str, abs_url: AbsUrl) -> dict[str, Any] | None:
    """The kelurahan's KIM as an `Organization`; None when it has none."""
    kim = page.kim
    if not kim.ada:
        return None
    return clean({
        "@context": CONTEXT,
        "@type": "Organization",
        "@id": abs_url(url) + "#kim",
        "name": kim.nama,
        "url": abs_url(url),
        "email": kim.email,
        "telephone": international_phone(kim.whatsapp) if kim.whatsapp else "",
        "sameAs": [link for _name, link in kim.sosmed],
        "areaServed": {"@type": "AdministrativeArea", "name": f"Kelurahan {kelurahan_name}"},
    })


def website(config: SiteConfig, abs_url: AbsUrl) -> dict[str, Any]:
    """The portal itself, with a `SearchAction` pointing at the search page."""
    return clean({
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": config.nama,
        "url": config.url,
        "description": config.deskripsi,
        "inLanguage": config.bahasa,
        "publisher": {"@type": "Organization", "name": config.pengelola_nama},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": abs_url("/cari/") + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    })


def site_organization(config: SiteConfig) -> dict[str, Any]:
    """Whoever runs the portal (Diskominfo or a KIM) as an `Organization`."""
    return clean({
        "@context": CONTEXT,
        "@type": "Organization",
        "name": config.pengelola_nama,
        "url": config.url,
        "email": config.kontak_email,
        "telephone": international_phone(config.kontak_whatsapp) if config.kontak_whatsapp else "",
        "sameAs": [link for _name, link in config.sosmed],
    })


class StructuredData:
    """The theme's handle on this module (`ld.umkm(page, kel)`…), bound to one site's config."""

    def __init__(self, config: SiteConfig, abs_url: AbsUrl) -> None:
        self.config = config
        self.abs_url = abs_url

    def breadcrumbs(self, home_label: str, crumbs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        return breadcrumb_list(home_label, crumbs, self.abs_url)

    def umkm(self, page: Umkm, kel: Any) -> dict[str, Any]:
        return local_business(page, kel.display_name, self.config, self.abs_url)

    def berita(self, page: Berita, kel: Any) -> dict[str, Any]:
        publisher = kel.page.kim.nama if kel.page and kel.page.kim.ada else self.config.pengelola_nama
        return news_article(page, publisher or self.config.nama, self.config, self.abs_url)

    def agenda(self, page: Agenda, kel: Any) -> dict[str, Any]:
        return event(page, kel.display_name, self.config, self.abs_url)

    def kelurahan(self, kel: Any, url: str = "") -> list[dict[str, Any]]:
        """GovernmentOffice plus, when there is one, the KIM's Organization. `url` is the page they
        are on (the site root of a single microsite, whose `/kelurahan/<k>/` only redirects)."""
        url = url or kel.url
        items = [government_office(kel.page, kel.display_name, url, self.config, self.abs_url)]
        kim = kim_organization(kel.page, kel.display_name, url, self.abs_url)
        if kim:
            items.append(kim)
        return items

    def portal(self) -> list[dict[str, Any]]:
        return [website(self.config, self.abs_url), site_organization(self.config)]
