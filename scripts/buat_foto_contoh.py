#!/usr/bin/env python3
"""Generate the placeholder photos of the bundled example site.

Every image that the example content names (UMKM ``foto`` and ``produk[].foto``, a kelurahan's
``foto_sampul``, a berita's ``foto_sampul`` and ``galeri``, and ``![alt](path)`` images in Markdown
bodies) is drawn here: a soft gradient with a few shapes, the name of the thing it shows, its alt
text, and a clear "CONTOH" badge, so nobody mistakes it for a real photo.

The output is deterministic (colours and shapes are derived from the image path) and a file is only
rewritten when its bytes change. Usage, from the repository root:

    .venv/bin/python scripts/buat_foto_contoh.py            # write missing or changed images
    .venv/bin/python scripts/buat_foto_contoh.py --check    # exit 1 if any image is missing/stale
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
STATIC = ROOT / "static"

SIZE_PHOTO = (1024, 768)
SIZE_PRODUCT = (720, 720)
SIZE_COVER = (1200, 630)  # foto_sampul: wide, also fits link previews
JPEG_QUALITY = 78

FONT_CANDIDATES = {
    "bold": [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
        "/Library/Fonts/Arial Bold.ttf",
        "C:/Windows/Fonts/arialbd.ttf",
    ],
    "regular": [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf",
    ],
}

# (top colour, bottom colour, accent) — warm, friendly tones.
PALETTES = [
    ((255, 209, 102), (239, 71, 111), (255, 255, 255)),
    ((6, 214, 160), (17, 138, 178), (255, 255, 255)),
    ((255, 183, 3), (251, 133, 0), (255, 244, 214)),
    ((142, 202, 230), (33, 158, 188), (255, 255, 255)),
    ((244, 162, 97), (231, 111, 81), (255, 240, 220)),
    ((168, 218, 181), (82, 183, 136), (255, 255, 255)),
    ((205, 180, 219), (162, 120, 200), (255, 255, 255)),
    ((255, 202, 212), (244, 172, 183), (255, 255, 255)),
    ((233, 196, 106), (42, 157, 143), (255, 255, 255)),
    ((255, 221, 210), (226, 149, 120), (255, 255, 255)),
]

MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?")


@dataclass(frozen=True)
class Photo:
    path: Path  # where the JPEG goes
    title: str  # large caption: the business, product, news or kelurahan name
    alt: str  # small caption: the image's alt text
    size: tuple[int, int]


def load_font(kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES[kind]:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def read_front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            data = yaml.safe_load("\n".join(lines[1:end])) or {}
            return (data if isinstance(data, dict) else {}), "\n".join(lines[end + 1 :])
    return {}, text


def resolve(source: Path, src: str) -> Path | None:
    """Resolve an image path as the site does: relative to the file, or under static/ with '/'."""
    if "://" in src or src.startswith("data:"):
        return None
    target = (STATIC / src.lstrip("/")) if src.startswith("/") else (source.parent / src)
    target = target.resolve()
    if target.suffix.lower() not in {".jpg", ".jpeg"}:
        return None
    # Only ever write inside content/ or static/.
    if not (target.is_relative_to(CONTENT.resolve()) or target.is_relative_to(STATIC.resolve())):
        raise SystemExit(f"{source.relative_to(ROOT)}: image path leaves the site: {src}")
    return target


def collect() -> list[Photo]:
    photos: dict[Path, Photo] = {}

    def add(source: Path, image: object, title: str, size: tuple[int, int]) -> None:
        if not isinstance(image, dict) or not isinstance(image.get("src"), str):
            return
        target = resolve(source, image["src"])
        if target is not None and target not in photos:
            photos[target] = Photo(target, str(title), str(image.get("alt", "")), size)

    for source in sorted(CONTENT.rglob("*.md")):
        meta, body = read_front_matter(source)
        rel = source.relative_to(CONTENT).parts
        if source.name == "_index.md" and rel[0] == "kelurahan":
            name = meta.get("nama_tampil") or rel[1].replace("-", " ").title()
            add(source, meta.get("foto_sampul"), f"Kelurahan {name}", SIZE_COVER)
        title = meta.get("nama") or meta.get("judul") or source.stem
        for image in meta.get("foto") or []:
            add(source, image, title, SIZE_PHOTO)
        for product in meta.get("produk") or []:
            if isinstance(product, dict):
                add(source, product.get("foto"), product.get("nama", title), SIZE_PRODUCT)
        add(source, meta.get("foto_sampul"), title, SIZE_COVER)
        for image in meta.get("galeri") or []:
            add(source, image, title, SIZE_PHOTO)
        for alt, src in MD_IMAGE.findall(body):
            add(source, {"src": src, "alt": alt}, title, SIZE_PHOTO)
    return [photos[key] for key in sorted(photos)]


def wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
            lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else lines[-1][:-1]
        lines[-1] += "…"
    return lines


def render(photo: Photo) -> bytes:
    key = photo.path.relative_to(ROOT).as_posix()
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    top, bottom, accent = PALETTES[seed % len(PALETTES)]
    width, height = photo.size

    # Diagonal gradient background.
    ramp = Image.linear_gradient("L").rotate(rng.uniform(-35, 35), resample=Image.BICUBIC, expand=True)
    ramp = ramp.crop((ramp.width // 4, ramp.height // 4, ramp.width * 3 // 4, ramp.height * 3 // 4))
    mask = ramp.resize((width, height), Image.BICUBIC)
    image = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask)

    # A few soft translucent shapes.
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(4, 7)):
        radius = rng.randint(min(width, height) // 10, min(width, height) // 3)
        cx, cy = rng.randint(0, width), rng.randint(0, height * 3 // 4)
        fill = (*accent, rng.randint(28, 60))
        if rng.random() < 0.6:
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=fill)
        else:
            draw.rounded_rectangle(
                (cx - radius, cy - radius // 2, cx + radius, cy + radius // 2), radius=radius // 4, fill=fill
            )
    image = Image.alpha_composite(image.convert("RGBA"), overlay)

    # Large faint diagonal "CONTOH" watermark.
    mark_font = load_font("bold", width // 5)
    mark = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(mark).text(
        (width / 2, height * 0.42), "CONTOH", font=mark_font, anchor="mm", fill=(255, 255, 255, 46)
    )
    image = Image.alpha_composite(image, mark.rotate(18, resample=Image.BICUBIC))

    # Caption band with the name and the alt text.
    margin = width // 20
    title_font = load_font("bold", max(28, width // 22))
    alt_font = load_font("regular", max(20, width // 40))
    band = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    bdraw = ImageDraw.Draw(band)
    title_lines = wrap(bdraw, photo.title, title_font, width - 2 * margin, 3)
    alt_lines = wrap(bdraw, photo.alt, alt_font, width - 2 * margin, 2) if photo.alt else []
    title_h = title_font.size * 1.2
    alt_h = alt_font.size * 1.35
    gap = alt_font.size * 0.4 if alt_lines else 0
    band_h = int(margin * 1.6 + title_h * len(title_lines) + gap + alt_h * len(alt_lines))
    bdraw.rectangle((0, height - band_h, width, height), fill=(20, 24, 33, 178))
    y = height - band_h + margin * 0.8
    for line in title_lines:
        bdraw.text((margin, y), line, font=title_font, fill=(255, 255, 255, 255))
        y += title_h
    y += gap
    for line in alt_lines:
        bdraw.text((margin, y), line, font=alt_font, fill=(230, 232, 238, 255))
        y += alt_h

    # "CONTOH" badge in the top-left corner.
    badge_font = load_font("bold", max(22, width // 34))
    note_font = load_font("regular", max(16, width // 60))
    label = "CONTOH"
    pad = badge_font.size // 2
    label_w = bdraw.textlength(label, font=badge_font)
    box = (margin, margin, margin + label_w + 2 * pad, margin + badge_font.size + 2 * pad)
    bdraw.rounded_rectangle(box, radius=pad, fill=(200, 30, 45, 235))
    bdraw.text((box[0] + pad, box[1] + pad), label, font=badge_font, fill=(255, 255, 255, 255))
    bdraw.text(
        (box[2] + pad, (box[1] + box[3]) / 2),
        "Foto ilustrasi, bukan foto asli",
        font=note_font,
        anchor="lm",
        fill=(255, 255, 255, 235),
    )
    image = Image.alpha_composite(image, band).convert("RGB")

    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing or stale images")
    args = parser.parse_args(argv)

    photos = collect()
    written = stale = 0
    total = 0
    for photo in photos:
        data = render(photo)
        total += len(data)
        current = photo.path.read_bytes() if photo.path.is_file() else None
        if current == data:
            continue
        stale += 1
        rel = photo.path.relative_to(ROOT)
        if args.check:
            print(f"{'berbeda' if current else 'tidak ada'}: {rel}")
            continue
        photo.path.parent.mkdir(parents=True, exist_ok=True)
        photo.path.write_bytes(data)
        written += 1
        print(f"ditulis: {rel} ({len(data) // 1024} KB)")
    print(f"{len(photos)} foto, {written} ditulis, total {total / 1024 / 1024:.2f} MB")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
