"""Images named by content: checked at build time (resizing and share cards come with issue #5)."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
MAX_PIXELS = 60_000_000  # a phone photo is ~12 MP; anything far bigger is a decompression bomb


def check_image(path: Path) -> str | None:
    """None when `path` is a complete, decodable image; else the key of the message explaining why not."""
    if path.suffix.lower() == ".svg":
        return "image.svg"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return "image.type"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_PIXELS:
                    return "image.too_many_pixels"
                img.draft("RGB", (160, 160))  # JPEG: decode at 1/8 scale, enough to find truncation
                img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "image.not_image"
    except (OSError, SyntaxError, ValueError):
        return "image.broken"
    return None
