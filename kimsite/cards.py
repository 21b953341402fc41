"""Share cards: the 1200×630 JPEG a link preview shows (WhatsApp, Facebook, X, Telegram).

Each UMKM, berita, agenda and kelurahan page gets one: its photo (if any) under a dark fade, the
name, the price ("mulai Rp15.000") or the date, and the kelurahan, set in the DejaVu Sans Bold the
package ships (`kimsite/fonts/`, never a system font, so every machine draws the same card). Under
300 KB, because WhatsApp drops bigger previews. Cached by a hash of everything drawn.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from kimsite.images import content_key, open_clean

CARD_WIDTH, CARD_HEIGHT = 1200, 630
MAX_CARD_BYTES = 300_000
CARD_FILE = "kartu-bagikan.jpg"  # beside the page: /kelurahan/x/umkm/y/kartu-bagikan.jpg
FONT_FILE = Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf"
CARD_VERSION = "1"  # bump when the layout changes
# Cached cards are also keyed by this module's own code, so a layout change that forgot to bump
# CARD_VERSION cannot serve stale cards (a cold and a cached build must give the same bytes).
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
BRAND = (11, 110, 79)  # the theme's green (#0b6e4f)
ACCENT = (255, 209, 102)
MARGIN = 64


@dataclass(frozen=True)
class CardSpec:
    """Everything drawn on one card."""

    url: str  # site URL of the card file
    title: str
    detail: str  # "mulai Rp15.000", a date, or the kecamatan
    place: str  # "Kelurahan Purwantoro"
    site_name: str
    photo: Path | None = None

    @property
    def alt(self) -> str:
        return " · ".join(part for part in (self.title, self.detail, self.place) if part)

    def key(self) -> str:
        photo = content_key(self.photo, "card") if self.photo else ""
        memo = (self.title, self.detail, self.place, self.site_name, photo)  # a tuple hashes in C
        known = _KEYS.get(memo)
        if known is None:
            text = json.dumps([CARD_VERSION, _CODE_DIGEST, self.title, self.detail, self.place, self.site_name,
                               photo, _font_size()], ensure_ascii=False)
            if len(_KEYS) > 500_000:  # a server left running for days: forget rather than grow
                _KEYS.clear()
            known = _KEYS[memo] = hashlib.sha256(text.encode()).hexdigest()
        return known


# (the card's text, its photo's content key) → card key, for the preview server's rebuilds; the photo's
# bytes are part of the memo's key, so an edited photo is never answered from here
_KEYS: dict[tuple[str, ...], str] = {}


@lru_cache(maxsize=1)
def _font_size() -> int:
    return FONT_FILE.stat().st_size


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size)


def _lines(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap with no line limit (a single over-long word keeps a line of its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if not current or draw.textlength(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _cut(draw: ImageDraw.ImageDraw, line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while line and draw.textlength(line + "…", font=font) > width:
        line = line[:-1].rstrip()
    return line + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int,
          max_lines: int) -> list[str]:
    """At most `max_lines` lines no wider than `width`; text that does not fit ends with …"""
    lines = _lines(draw, text, font, width)
    overflow = len(lines) > max_lines
    lines = lines[:max_lines]
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        if draw.textlength(line, font=font) > width or (last and overflow):
            lines[index] = _cut(draw, line, font, width)
    return lines


def _fits(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> bool:
    lines = _lines(draw, text, font, width)
    return len(lines) <= max_lines and all(draw.textlength(line, font=font) <= width for line in lines)


def _background(photo: Path | None) -> Image.Image:
    if photo is not None:
        try:
            img = open_clean(photo, CARD_WIDTH, CARD_HEIGHT).convert("RGB")
            return ImageOps.fit(img, (CARD_WIDTH, CARD_HEIGHT), Image.Resampling.LANCZOS)
        except (OSError, ValueError):
            pass
    top = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BRAND)
    bottom = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), (6, 58, 42))
    return Image.composite(bottom, top, Image.linear_gradient("L").resize((CARD_WIDTH, CARD_HEIGHT)))


def render_card(spec: CardSpec) -> bytes:
    """The card as JPEG bytes, always 1200×630 and under MAX_CARD_BYTES."""
    card = _background(spec.photo)
    if spec.photo is not None:
        # A fade from clear (upper third) to 88 % black at the bottom keeps white text readable on any photo.
        fade = Image.linear_gradient("L").resize((CARD_WIDTH, CARD_HEIGHT)).point(
            lambda v: 0 if v < 90 else min(225, int((v - 90) * 225 / 150)))
        card = Image.composite(Image.new("RGB", card.size, (0, 0, 0)), card, fade)
    draw = ImageDraw.Draw(card)
    width = CARD_WIDTH - 2 * MARGIN

    site_font = _font(28)
    site = _wrap(draw, spec.site_name, site_font, width - 40, 1)[0] if spec.site_name else ""
    if site:
        box = draw.textbbox((MARGIN + 20, MARGIN), site, font=site_font)
        pill, ink = (BRAND, (255, 255, 255)) if spec.photo is not None else ((255, 255, 255), BRAND)
        draw.rounded_rectangle((MARGIN, MARGIN - 12, box[2] + 20, box[3] + 14), radius=14, fill=pill)
        draw.text((MARGIN + 20, MARGIN), site, font=site_font, fill=ink)

    y = CARD_HEIGHT - MARGIN
    place_font = _font(34)
    if spec.place:
        text = _wrap(draw, spec.place, place_font, width, 1)[0]
        y -= 40
        draw.text((MARGIN, y), text, font=place_font, fill=(232, 245, 238))
        y -= 14
    detail_font = _font(46)
    if spec.detail:
        text = _wrap(draw, spec.detail, detail_font, width, 1)[0]
        y -= 54
        draw.text((MARGIN, y), text, font=detail_font, fill=ACCENT)
        y -= 18
    size = 68
    while size > 48 and not _fits(draw, spec.title, _font(size), width, 2):
        size -= 6
    title_font = _font(size)
    lines = _wrap(draw, spec.title, title_font, width, 2)
    line_height = int(size * 1.18)
    for line in reversed(lines):
        y -= line_height
        draw.text((MARGIN, y), line, font=title_font, fill=(255, 255, 255))

    quality = 84
    while True:
        buffer = io.BytesIO()
        card.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
        data = buffer.getvalue()
        if len(data) < MAX_CARD_BYTES or quality <= 40:
            return data
        quality -= 8


@dataclass
class CardSet:
    """The cards of one build: site URL → cached JPEG."""

    root: Path
    specs: dict[str, CardSpec]
    files: dict[str, Path]
    encoded_count: int = 0

    def get(self, url: str) -> CardSpec | None:
        return self.specs.get(url)


_SEEN: set[Path] = set()  # card files this process found or made (named by content: they never change)
_TARGETS: dict[Path, dict[str, Path]] = {}  # card folder → card key → its file (one Path object per card)
_SEEN_IN: dict[Path, tuple[int, int]] = {}  # card folder → its inode and mtime when _SEEN was last right


def make_cards(specs: list[CardSpec], cache: Path, progress: Callable[[str], None] | None = None) -> CardSet:
    """Render every card the cache lacks (in parallel); return where each card's file is."""
    folder = cache / "kartu"
    folder.mkdir(parents=True, exist_ok=True)
    stat = folder.stat()  # any file added or removed there (kimsite clean, a hand) forgets what was seen
    if _SEEN_IN.get(folder) != (stat.st_ino, stat.st_mtime_ns):
        _SEEN.difference_update([p for p in _SEEN if p.parent == folder])
    files: dict[str, Path] = {}
    todo: list[tuple[CardSpec, Path]] = []
    targets = _TARGETS.setdefault(folder, {})
    for spec in specs:
        key = spec.key()
        target = targets.get(key)
        if target is None:
            target = targets[key] = folder / f"{key}.jpg"
        files[spec.url] = target
        if target not in _SEEN and not target.is_file():
            todo.append((spec, target))
        else:
            _SEEN.add(target)
    unique = list({target: (spec, target) for spec, target in todo}.values())
    if unique and progress:
        progress(f"{len(unique)} kartu bagikan dibuat")

    def work(item: tuple[CardSpec, Path]) -> None:
        spec, target = item
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        temporary.write_bytes(render_card(spec))
        os.replace(temporary, target)

    if unique:
        with ThreadPoolExecutor(max_workers=max(1, min(len(unique), os.cpu_count() or 1, 8))) as pool:
            list(pool.map(work, unique))
        _SEEN.update(target for _spec, target in unique)
    stat = folder.stat()
    _SEEN_IN[folder] = (stat.st_ino, stat.st_mtime_ns)
    return CardSet(folder, {s.url: s for s in specs}, files, len(unique))
