"""Printable UMKM posters: QR codes made at build time with segno, inlined as SVG.

Every UMKM gets `/kelurahan/<k>/umkm/<slug>/poster/` and every kelurahan
`/kelurahan/<k>/umkm/poster/` (all its posters, one per printed page). The theme's `poster.css`
sets the paper (A6 by default, A4 by a choice on the page) with `@page` and hides the site's
navigation when printing. Nothing is fetched from a third party: the QR codes are plain SVG paths.
"""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(data: str, label: str = "") -> Markup:
    """An inline `<svg>` QR code of `data`, with `label` as its accessible name.

    segno writes only its own elements and numbers (the payload becomes path geometry, never text);
    the label is escaped here, so no content can inject markup into the page.
    """
    code = segno.make(str(data), error="m", micro=False)
    svg = code.svg_inline(omitsize=True, svgclass="qr", lineclass=None, dark="#000", light="#fff", border=2)
    name = str(escape(label))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1))


def qr_payload_matrix(data: str) -> list[list[bool]]:
    """The module matrix segno makes for `data` (with the same options as `qr_svg`); for tests."""
    code = segno.make(str(data), error="m", micro=False)
    return [[bool(cell) for cell in row] for row in code.matrix]
