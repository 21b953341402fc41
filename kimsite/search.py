"""The search index behind `/cari/`: one small JSON file built with the site.

Why not Pagefind: on the bundled site Pagefind's own loader and WebAssembly cost ~83 KB compressed
before the first result (pagefind.js 12.8 KB + wasm 70 KB, plus index chunks), while this index is a
few KB compressed and `cari.js` ~1.3 KB; a site of a few hundred UMKM has no need for chunked
indexes. The index is deterministic JSON (sorted keys, fixed order) and needs no extra tool.

Each entry is `[url from the site root without the leading slash, title, kind, meta, text]`, where
`text` is the lower-case, accent-free words the browser matches against (names, aliases,
categories, products, kelurahan and kecamatan names, summaries). `cari.js` normalises the query the
same way as `normalize()` here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from kimsite.formats import format_date, plain_words

INDEX_FILE = "cari/indeks.json"
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, accents dropped, anything but a-z/0-9 a single space (as `cari.js` does)."""
    if text.isascii():  # most text: no accents to drop (NFKD leaves ASCII as it is)
        return _NOT_WORD.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", plain).strip()


def _text(parts: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for part in parts:
        words = normalize(part)
        if words:
            seen.setdefault(words, None)
    return " ".join(seen)


def plain_text(html: str, limit: int = 300) -> str:
    """The words of an HTML body, tags dropped and spaces collapsed (a page's `body_text`)."""
    return plain_words(html)[:limit]


Part = Callable[[str, Callable[[], Any]], Any]  # (key, make) → entry; the build reuses unchanged ones


def _made(_key: str, make: Callable[[], Any]) -> Any:
    return make()


def umkm_entry(site: Any, umkm: Any) -> list[str]:
    kel = site.kelurahan_of(umkm)
    kel_name = kel.display_name if kel else ""
    category = site.config.category_names.get(umkm.kategori, umkm.kategori)
    meta = f"{category} · {kel_name}" if kel_name and not site.single else category
    text = _text([umkm.title, category, umkm.kategori, kel_name, kel.nama if kel else "",
                  kel.kecamatan_nama if kel else "", *(p.nama for p in umkm.produk), umkm.alamat,
                  umkm.body_text])
    return [umkm.url.lstrip("/"), umkm.title, "umkm", meta, text]


def kelurahan_entry(_site: Any, kel: Any) -> list[str]:
    page = kel.page
    aliases = list(page.alias) if page else []
    extra = [page.deskripsi, *page.potensi] if page else []
    text = _text([kel.display_name, kel.nama, *aliases, kel.kecamatan_nama, "kelurahan", *extra])
    url = kel.url if page else f"/kecamatan/{kel.kecamatan_slug}/"
    return [url.lstrip("/"), f"Kelurahan {kel.display_name}", "kelurahan", f"Kecamatan {kel.kecamatan_nama}", text]


def berita_entry(site: Any, berita: Any) -> list[str]:
    kel = site.kelurahan_of(berita)
    date = format_date(berita.tanggal.date(), site.config.bahasa, False) if berita.tanggal else ""
    meta = " · ".join(x for x in (date, kel.display_name if kel and not site.single else "") if x)
    text = _text([berita.title, berita.ringkasan, *berita.tag, berita.kategori,
                  kel.display_name if kel else "", berita.body_text[:200]])
    return [berita.url.lstrip("/"), berita.title, "berita", meta, text]


# An entry's part key starts with its kind; the rest names the page (source path) or kelurahan (kode).
ENTRY_KINDS: dict[str, Callable[[Any, Any], list[str]]] = {"u": umkm_entry, "k": kelurahan_entry, "b": berita_entry}


def build_index(site: Any, part: Part = _made) -> list[list[str]]:
    """Entries for every UMKM, kelurahan (microsite or not) and berita, in the site's own order.
    `part(key, make)` gives each entry (the build passes one that reuses entries whose facts held)."""
    entries: list[list[str]] = []
    for umkm in site.umkm:
        entries.append(part("u:" + umkm.source.path, lambda umkm=umkm: umkm_entry(site, umkm)))
    if not site.single:
        for kel in site.kelurahan:
            entries.append(part("k:" + kel.kode, lambda kel=kel: kelurahan_entry(site, kel)))
    for berita in site.berita:
        entries.append(part("b:" + berita.source.path, lambda berita=berita: berita_entry(site, berita)))
    return entries


JSON_PART = "json:"  # prefix of the part keys index_pieces uses


def index_pieces(site: Any, part: Part = _made) -> list[bytes]:
    """The index as compact JSON, in the pieces that make the file when joined (brackets, entries,
    commas): the build cache hashes and writes them one after the other, without a joined copy (~45 MB
    at 100,000 pages, at the peak of an edit rebuild). Each entry is kept as its own JSON text (UTF-8),
    so a rebuild that reuses most entries does not serialise 15,000 lists again (same bytes as
    json.dumps)."""
    return array_pieces(build_index(site, lambda key, make: part(JSON_PART + key, lambda: _dumps(make()))))


def join_index(fragments: Iterable[bytes]) -> bytes:
    """The entries as one JSON array, made in one copy: at 100,000 pages the index is ~45 MB, and
    joining text, adding the brackets and encoding made three (~200 MB at the end of the build)."""
    return b"".join(array_pieces(fragments))


def array_pieces(fragments: Iterable[bytes]) -> list[bytes]:
    """JSON texts as the pieces of one JSON array: brackets and commas between them."""
    pieces = [b"["]
    for fragment in fragments:
        pieces += (fragment, b",")
    pieces[-1] = b"[]" if len(pieces) == 1 else b"]"
    return pieces


def entry_json(site: Any, kind: str, subject: Any) -> bytes:
    """One entry's JSON text, as index_pieces makes it (kimsite.quick remakes single entries)."""
    return _dumps(ENTRY_KINDS[kind](site, subject))


def _dumps(entry: list[str]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
