"""Charts drawn at build time as inline, accessible SVG (no chart library, no script at runtime).

`bar_chart()` draws horizontal bars (labels above their bars, so long kelurahan names fit a phone)
inside a `<figure>`: the SVG has `role="img"` with `<title>` and `<desc>`, and the same numbers follow
as a real `<table>` for screen readers, copying and printing. `site_statistics()` gathers the numbers
the `/statistik/` page shows. Output is deterministic: same data, same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from kimsite.formats import format_month, format_thousands

WIDTH = 320  # viewBox width; the SVG scales to its container
ROW = 44
BAR = 16
PAD = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    total: int | None = None  # draw a track for "value of total" (coverage)


def _rows(rows: Sequence[Bar | tuple[Any, ...]]) -> list[Bar]:
    return [r if isinstance(r, Bar) else Bar(*r) for r in rows]


def _chart_id(title: str) -> str:
    return "bagan-" + (re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-") or "x")


def bar_chart(title: str, desc: str, rows: Sequence[Bar | tuple[Any, ...]], label_header: str,
              value_header: str, table_label: str, lang: str = "id", chart_id: str = "") -> Markup:
    """A figure with an SVG bar chart and its data table. `rows` are (label, value[, total])."""
    bars = _rows(rows)
    cid = chart_id or _chart_id(title)
    scale_max = max([b.total or b.value for b in bars] + [1])
    height = PAD * 2 + ROW * max(len(bars), 1)
    parts = [
        f'<svg class="bagan" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-judul {cid}-ket" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-judul">{escape(title)}</title>',
        f'<desc id="{cid}-ket">{escape(desc)}</desc>',
    ]
    usable = WIDTH - 2 * PAD
    for index, bar in enumerate(bars):
        top = PAD + index * ROW
        shown = _value_text(bar, lang)
        parts.append(f'<text x="{PAD}" y="{top + 15}" class="bagan-label">{escape(bar.label)}</text>')
        parts.append(f'<text x="{WIDTH - PAD}" y="{top + 15}" text-anchor="end" class="bagan-nilai">'
                     f'{escape(shown)}</text>')
        if bar.total is not None:
            parts.append(f'<rect x="{PAD}" y="{top + 22}" width="{usable}" height="{BAR}" rx="3" '
                         f'class="bagan-jalur"/>')
        length = round(usable * bar.value / scale_max, 1) if bar.value else 0
        if length:
            parts.append(f'<rect x="{PAD}" y="{top + 22}" width="{max(length, 2)}" height="{BAR}" rx="3" '
                         f'class="bagan-batang"/>')
    parts.append("</svg>")
    table = [
        f'<details class="bagan-data"><summary>{escape(table_label)}</summary>',
        f'<table class="table"><caption class="visually-hidden">{escape(title)}</caption>',
        f'<thead><tr><th scope="col">{escape(label_header)}</th><th scope="col">{escape(value_header)}</th>'
        "</tr></thead><tbody>",
    ]
    for bar in bars:
        table.append(f'<tr><th scope="row">{escape(bar.label)}</th><td>{escape(_value_text(bar, lang))}</td></tr>')
    table.append("</tbody></table></details>")
    return Markup(
        f'<figure class="figur-bagan" id="{cid}"><figcaption><h2>{escape(title)}</h2></figcaption>'
        + "".join(parts) + "".join(table) + "</figure>"
    )


def _value_text(bar: Bar, lang: str) -> str:
    value = format_thousands(bar.value, lang)
    return f"{value} / {format_thousands(bar.total, lang)}" if bar.total is not None else value


@dataclass(frozen=True)
class SiteStatistics:
    per_kategori: list[Bar]
    per_kecamatan: list[Bar]
    kim_per_kecamatan: list[Bar]
    kim_total: Bar
    berita_per_bulan: list[Bar]
    umkm_total: int
    berita_total: int


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First day of every month from `first`'s month to `last`'s, inclusive."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def site_statistics(site: Any, city_label: str = "") -> SiteStatistics:
    """The numbers of the `/statistik/` page, from the site model."""
    lang = site.config.bahasa
    per_kategori = [Bar(c.nama, c.count) for c in site.categories]
    per_kecamatan = [Bar(k.nama, k.umkm_count) for k in site.kecamatan]
    kim_per_kecamatan = [Bar(k.nama, k.kim_count, len(k.kelurahan)) for k in site.kecamatan]
    kim_total = Bar(city_label or site.config.kota or site.config.nama, site.kim_count, len(site.kelurahan))
    dated = [b.tanggal.date() for b in site.berita if b.tanggal is not None]
    per_month: list[Bar] = []
    if dated:
        counts = Counter(d.replace(day=1) for d in dated)
        per_month = [Bar(format_month(m, lang), counts.get(m, 0)) for m in months_between(min(dated), max(dated))]
    return SiteStatistics(per_kategori, per_kecamatan, kim_per_kecamatan, kim_total, per_month,
                          len(site.umkm), len(site.berita))
