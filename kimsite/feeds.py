"""Machine-readable outputs: Atom feeds, sitemap.xml and robots.txt (absolute URLs, escaped XML)."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape, quoteattr

from kimsite.content import Berita
from kimsite.urls import absolute_url

FEED_SIZE = 20


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def atom_feed(base_url: str, feed_url: str, title: str, site_url: str, items: list[Berita],
              fallback_time: dt.datetime, lang: str) -> str:
    """An Atom 1.0 feed of the newest berita; `updated` comes from the content, never the clock."""
    entries = items[:FEED_SIZE]
    updated = max((b.tanggal for b in entries if b.tanggal), default=fallback_time)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(lang)}>',
        f"  <title>{escape(title)}</title>",
        f"  <id>{escape(absolute_url(base_url, feed_url))}</id>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(absolute_url(base_url, feed_url))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(absolute_url(base_url, site_url))}/>',
        f"  <updated>{_iso(updated)}</updated>",
        "  <generator>kimsite</generator>",
    ]
    for item in entries:
        url = absolute_url(base_url, item.url)
        summary = item.ringkasan
        lines += [
            "  <entry>",
            f"    <title>{escape(item.title)}</title>",
            f"    <id>{escape(url)}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>',
            f"    <published>{_iso(item.tanggal)}</published>" if item.tanggal else "",
            f"    <updated>{_iso(item.tanggal)}</updated>" if item.tanggal else "",
            f"    <author><name>{escape(item.penulis)}</name></author>",
            f"    <summary>{escape(summary)}</summary>",
            f'    <content type="html">{escape(item.body_html)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(line for line in lines if line) + "\n"


def sitemap(base_url: str, urls: list[str]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url in sorted(set(urls)):
        lines.append(f"  <url><loc>{escape(absolute_url(base_url, url))}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(base_url: str) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url(base_url, '/sitemap.xml')}\n"
