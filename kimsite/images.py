"""Images named by content: checked, resized, re-encoded and stripped of metadata at build time.

A UMKM photo straight from a phone is 3–6 MB and carries the place it was taken (EXIF GPS). Every
image a page names — front matter (`foto`, `foto_sampul`, `galeri`, product `foto`) and Markdown
bodies — becomes a few widths (320/640/960/1280, never upscaled) in WebP, AVIF when that is smaller
than the WebP, and a JPEG fallback (PNG when the image really uses transparency). EXIF orientation is
applied, colours converted to sRGB, and every metadata block (EXIF with GPS, XMP, ICC, comments)
dropped. The image's own URL (used by JSON-LD and feeds) serves the largest clean variant in the
source's format, never the original file.

Encodings are cached by content hash in `.kimsite-cache/images/`, so an unchanged photo is never
encoded twice; `ImagePlan.encoded` counts the images a build really encoded.
"""

from __future__ import annotations

import functools
import hashlib
import html as htmllib
import inspect
import io
import json
import os
import posixpath
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markupsafe import Markup, escape
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from kimsite.urls import output_file, relative_url

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
MAX_PIXELS = 60_000_000  # a phone photo is ~12 MP; anything far bigger is a decompression bomb

WIDTHS = (320, 640, 960, 1280)
LARGE_SOURCE_BYTES = 10 * 1024 * 1024  # warn: a file this big is a camera original, not a web photo
SMALL_SOURCE_WIDTH = 320  # warn: narrower than the smallest variant, it looks blurred on every phone
CACHE_DIR = Path(".kimsite-cache") / "images"
# Bump when encoder settings change: every cached encoding is then made again once.
PIPELINE_VERSION = "1"
USE_AVIF = True  # see the README: AVIF costs ~2× the WebP time once, then the cache serves it

JPEG_OPTIONS = {"quality": 80, "optimize": True, "progressive": True}
WEBP_OPTIONS = {"quality": 78, "method": 4}
AVIF_OPTIONS = {"quality": 55, "speed": 7, "max_threads": 1}  # one thread each: images run in parallel
PNG_OPTIONS = {"optimize": True}
EXTENSION = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png", "gif": "gif"}
FORMAT_OF_SUFFIX = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".avif": "avif",
                    ".gif": "gif"}
PIL_FORMAT = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}

# `sizes` for each place the theme shows a picture (CSS in themes/default/static/css/kimsite.css).
LAYOUT_SIZES = {
    "sampul": "(min-width: 68rem) 66rem, calc(100vw - 2rem)",
    "galeri": "(min-width: 68rem) 32rem, (min-width: 48rem) 48vw, 85vw",
    "kartu": "(min-width: 68rem) 17rem, (min-width: 34rem) 50vw, calc(100vw - 2rem)",  # grid of 15rem+ columns
    "produk": "6rem",
    "isi": "(min-width: 44rem) 42rem, calc(100vw - 2rem)",
}

_SRGB = ImageCms.createProfile("sRGB")
_hash_memo: dict[tuple[str, int, int], str] = {}
_hash_lock = threading.Lock()


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


# -- one source image -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Encoded:
    """The cached variants of one source image: `folder/<width>.<ext>` per format and width."""

    folder: Path
    widths: tuple[tuple[int, int], ...]  # (width, height), smallest first
    formats: tuple[str, ...]  # `<source>` order, the fallback (jpeg or png) last
    canonical: str  # file in `folder` served at the image's own URL

    @property
    def fallback(self) -> str:
        return self.formats[-1]

    @property
    def largest(self) -> tuple[int, int]:
        return self.widths[-1]

    def file(self, fmt: str, width: int) -> Path:
        return self.folder / f"{width}.{EXTENSION[fmt]}"

    def files(self) -> list[tuple[str, int, Path]]:
        return [(fmt, w, self.file(fmt, w)) for fmt in self.formats for w, _h in self.widths]


def content_key(path: Path, target_format: str) -> str:
    """Hash of the file's bytes and of everything that changes its encodings (memoised by mtime+size)."""
    stat = path.stat()
    memo = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _hash_lock:
        known = _hash_memo.get(memo)
    if known is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with _hash_lock:
            _hash_memo[memo] = digest
        known = digest
    return _keyed(known, target_format)


@functools.lru_cache(maxsize=65536)  # the server asks again for every photo on every rebuild
def _keyed(file_digest: str, target_format: str) -> str:
    return hashlib.sha256(f"{file_digest}\0{_settings(target_format)}".encode()).hexdigest()


@functools.cache
def _settings(target_format: str) -> str:
    """Everything besides its bytes that changes an image's encodings."""
    return json.dumps([PIPELINE_VERSION, _encoder_digest(), WIDTHS, USE_AVIF, JPEG_OPTIONS, WEBP_OPTIONS,
                       AVIF_OPTIONS, target_format], sort_keys=True)


@functools.cache  # inspect.getsource is slow, and every image and share card asks for it
def _encoder_digest() -> str:
    """The encoding code itself is part of the cache key: a change to it that forgot PIPELINE_VERSION
    cannot serve stale variants (a cold and a cached build must give the same bytes)."""
    parts = [inspect.getsource(f) for f in (encode, open_clean, _clean, _save, _widths_for)]
    return hashlib.sha256("".join(parts).encode()).hexdigest()[:16]


def oriented_size(img: Image.Image) -> tuple[int, int]:
    """Width and height as shown, after the EXIF orientation is applied (read from the header only)."""
    orientation = img.getexif().get(0x0112, 1)
    return (img.height, img.width) if orientation in (5, 6, 7, 8) else (img.width, img.height)


def oriented_width(path: Path) -> int:
    with Image.open(path) as img:
        return oriented_size(img)[0]


def open_clean(path: Path, min_width: int, min_height: int = 0) -> Image.Image:
    """`path` decoded, upright, sRGB and without metadata; a JPEG is decoded at 1/2, 1/4 or 1/8 scale
    when that still gives at least `min_width` × `min_height` (5× faster for a 12 MP phone photo)."""
    with Image.open(path) as opened:
        width, height = oriented_size(opened)
        scale = max(min_width / width, min_height / height)
        if opened.format == "JPEG" and scale < 1:
            swapped = (width, height) != (opened.width, opened.height)
            need_w, need_h = (int(width * scale) + 1, int(height * scale) + 1)
            opened.draft("RGB", (need_h, need_w) if swapped else (need_w, need_h))
        opened.load()
        return _clean(opened)


def _widths_for(width: int, height: int) -> tuple[tuple[int, int], ...]:
    largest = min(width, WIDTHS[-1])
    chosen = [w for w in WIDTHS if w < largest] + [largest]
    return tuple((w, max(1, round(height * w / width))) for w in chosen)


def _clean(img: Image.Image) -> Image.Image:
    """Upright, sRGB, RGB or RGBA (only when some pixel is not opaque), and no metadata at all."""
    img = ImageOps.exif_transpose(img) or img
    icc = img.info.get("icc_profile")
    wants_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if icc and img.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            img = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGBA" if img.mode == "RGBA" else "RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    img = img.convert("RGBA" if wants_alpha else "RGB")
    if wants_alpha and img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")
    img.info = {}
    return img


def _save(img: Image.Image, fmt: str, target: Path) -> int:
    img.info = {}  # resize() copies `info`: never let EXIF, XMP or ICC reach an encoder
    buffer = io.BytesIO()
    options = {"jpeg": JPEG_OPTIONS, "webp": WEBP_OPTIONS, "avif": AVIF_OPTIONS, "png": PNG_OPTIONS}.get(fmt, {})
    extra = {"exif": b""} if fmt in ("jpeg", "webp", "avif", "png") else {}
    img.save(buffer, PIL_FORMAT[fmt], **options, **extra)
    data = buffer.getvalue()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return len(data)


def encode(source: Path, folder: Path, target_format: str) -> Encoded:
    """Encode every variant of `source` into `folder` and write `meta.json` last (marks it complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    img = open_clean(source, min(oriented_width(source), WIDTHS[-1]))
    sizes = _widths_for(img.width, img.height)
    fallback = "png" if img.mode == "RGBA" else "jpeg"
    totals: dict[str, int] = {"avif": 0, "webp": 0}
    for w, h in reversed(sizes):
        variant = img if (w, h) == img.size else img.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        totals["webp"] += _save(variant, "webp", folder / f"{w}.webp")
        _save(variant, fallback, folder / f"{w}.{EXTENSION[fallback]}")
        if USE_AVIF:
            totals["avif"] += _save(variant, "avif", folder / f"{w}.avif")
    formats: list[str] = ["webp", fallback]
    if USE_AVIF and totals["avif"] < totals["webp"]:
        formats.insert(0, "avif")
    else:
        for w, _h in sizes:
            (folder / f"{w}.avif").unlink(missing_ok=True)
    w, h = sizes[-1]
    canonical = f"{w}.{EXTENSION[target_format]}"
    if target_format not in formats:
        top = img if (w, h) == img.size else img.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        canonical = f"canonical.{EXTENSION[target_format]}"
        _save(top.convert("RGB") if target_format == "jpeg" else top, target_format, folder / canonical)
    meta = {"widths": [list(s) for s in sizes], "formats": formats, "canonical": canonical}
    temporary = folder / f".meta.{os.getpid()}.{threading.get_ident()}"
    temporary.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(temporary, folder / "meta.json")
    return Encoded(folder, sizes, tuple(formats), canonical)


def cached(folder: Path) -> Encoded | None:
    """The encodings in `folder` when they are complete (meta.json written last, every file present)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        found = Encoded(folder, tuple((int(w), int(h)) for w, h in meta["widths"]), tuple(meta["formats"]),
                        str(meta["canonical"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if all(path.is_file() for _f, _w, path in found.files()) and (folder / found.canonical).is_file():
        return found
    return None


def cache_root(site_dir: Path) -> Path:
    """`<site>/.kimsite-cache/images`; `$KIMSITE_CACHE_DIR/images` when set (CI caches and the test suite
    share one folder that way); a temp folder when the site folder is read-only."""
    shared = os.environ.get("KIMSITE_CACHE_DIR", "").strip()
    root = Path(shared) / "images" if shared else site_dir / CACHE_DIR
    try:
        root.mkdir(parents=True, exist_ok=True)
        return root
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "kimsite-cache" / "images"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


# -- every image of a site ------------------------------------------------------------------------

@dataclass
class SourceImage:
    """One image file (site-relative `path`), as named by content; served at one or more URLs."""

    path: str
    file: Path
    target_format: str
    key: str = ""
    width: int = 0
    height: int = 0
    encoded: Encoded | None = None


def variant_url(image_url: str, encoded: Encoded, fmt: str, width: int) -> str:
    """`/x/foto.jpg` → `/x/foto-640w.webp`; the largest variant in the source's own format keeps its URL."""
    stem, _ext = posixpath.splitext(image_url)
    if width == encoded.largest[0] and encoded.canonical == f"{width}.{EXTENSION[fmt]}":
        return image_url
    return f"{stem}-{width}w.{EXTENSION[fmt]}"


@dataclass
class ImagePlan:
    """Every image a build serves: sources by path, the URLs each is served at, and the cache."""

    site_dir: Path
    root: Path
    sources: dict[str, SourceImage] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # served URL → source path
    encoded_count: int = 0
    cached_count: int = 0

    def add(self, url: str, path: str) -> SourceImage | None:
        """Register `path` served at `url`; None when the file is not an image we re-encode."""
        suffix = posixpath.splitext(path)[1].lower()
        target = FORMAT_OF_SUFFIX.get(suffix)
        if target is None:
            return None
        source = self.sources.get(path)
        if source is None:
            file = self.site_dir / path
            source = SourceImage(path, file, target)
            try:
                with Image.open(file) as img:
                    source.width, source.height = oriented_size(img)
            except (OSError, SyntaxError, ValueError):
                return None  # check_image has already reported it
            self.sources[path] = source
        self.urls[url] = path
        return source

    def possible_outputs(self, url: str) -> list[str]:
        """Every file name the variants of `url` may take (claimed before encoding, to catch clashes)."""
        source = self.sources[self.urls[url]]
        stem, _ext = posixpath.splitext(url)
        names = [url]
        for w, _h in _widths_for(source.width, source.height):
            names += [f"{stem}-{w}w.{ext}" for ext in ("avif", "webp", "jpg", "png", EXTENSION[source.target_format])]
        return sorted(set(names))

    def encode_all(self, progress: Callable[[str], None] | None = None) -> None:
        """Fill every source from the cache, encoding (in parallel) only what the cache lacks."""
        todo: list[SourceImage] = []
        for source in self.sources.values():
            source.key = content_key(source.file, source.target_format)
            source.encoded = cached(self._folder(source.key))
            if source.encoded is None:
                todo.append(source)
            else:
                self.cached_count += 1
        if not todo:
            return
        if progress:
            progress(f"{len(todo)} gambar dikodekan")
        workers = max(1, min(len(todo), os.cpu_count() or 1, 8))

        def work(source: SourceImage) -> Encoded:
            return encode(source.file, self._folder(source.key), source.target_format)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for source, result in zip(todo, pool.map(work, todo), strict=True):
                source.encoded = result
        self.encoded_count += len(todo)

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def lookup(self, url: str) -> Encoded | None:
        path = self.urls.get(url)
        return self.sources[path].encoded if path else None

    def outputs(self) -> dict[str, Path]:
        """Output file (relative to the output folder) → cached file, for every served URL."""
        out: dict[str, Path] = {}
        for url, path in sorted(self.urls.items()):
            encoded = self.sources[path].encoded
            if encoded is None:
                continue
            out[output_file(url)] = encoded.folder / encoded.canonical
            for fmt, width, file in encoded.files():
                rel = output_file(variant_url(url, encoded, fmt, width))
                out.setdefault(rel, file)
        return out

    def source_of(self, url: str) -> SourceImage | None:
        path = self.urls.get(url)
        return self.sources.get(path) if path else None


# -- markup ---------------------------------------------------------------------------------------

def picture_html(image_url: str, encoded: Encoded, alt: str, link: Callable[[str], str], layout: str = "isi",
                 css_class: str = "") -> Markup:
    """`<picture>` with one `<source>` per modern format and a lazy `<img>` fallback with width/height.

    `link` turns a site URL into the page's relative link (the page's `url()`), so it works under a
    sub-path; `layout` names a `sizes` preset (or is a `sizes` value itself)."""
    sizes = escape(LAYOUT_SIZES.get(layout, layout))

    def srcset(fmt: str) -> str:
        return ", ".join(f"{link(url)} {w}w" for url, w in _variant_urls(image_url, encoded, fmt))

    parts = ["<picture>"]
    for fmt in encoded.formats[:-1]:
        parts.append(f'<source type="image/{fmt}" srcset="{escape(srcset(fmt))}" sizes="{sizes}">')
    fallback = encoded.fallback
    width, height = encoded.largest
    src = link(image_url)  # its own URL (the largest clean copy); srcset-aware browsers pick from srcset
    css = f' class="{escape(css_class)}"' if css_class else ""
    parts.append(f'<img{css} src="{escape(src)}" srcset="{escape(srcset(fallback))}" sizes="{sizes}" '
                 f'width="{width}" height="{height}" alt="{escape(alt)}" loading="lazy" decoding="async">')
    parts.append("</picture>")
    return Markup("".join(parts))


@functools.lru_cache(maxsize=4096)
def _variant_urls(image_url: str, encoded: Encoded, fmt: str) -> tuple[tuple[str, int], ...]:
    """(site URL, width) of each variant in `fmt`: the same on every page that shows the image."""
    return tuple((variant_url(image_url, encoded, fmt, w), w) for w, _h in encoded.widths)


def plain_img_html(src: str, alt: str, css_class: str = "") -> Markup:
    css = f' class="{escape(css_class)}"' if css_class else ""
    return Markup(f'<img{css} src="{escape(src)}" alt="{escape(alt)}" loading="lazy" decoding="async">')


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def rewrite_body_images(body_html: str, page_url: str, plan: ImagePlan) -> str:
    """Each `<img>` of a sanitised Markdown body that points at a planned image becomes a `<picture>`."""

    def replace(match: re.Match[str]) -> str:
        attrs = {k.lower(): htmllib.unescape(v) for k, v in _ATTR.findall(match.group(0))}
        url = resolve_body_src(page_url, attrs.get("src", ""))
        encoded = plan.lookup(url) if url else None
        if encoded is None:
            return match.group(0)
        return str(picture_html(url, encoded, attrs.get("alt", ""), lambda u: relative_url(page_url, u),
                                "isi", attrs.get("class", "")))

    return _IMG_TAG.sub(replace, body_html)


def resolve_body_src(page_url: str, src: str) -> str | None:
    """The site URL an `<img src>` of a body points at (relative to its page), or None for other hosts."""
    if not src or ":" in src.split("/")[0] or src.startswith("//") or src.startswith("#"):
        return None
    base = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    path = unquote(src.split("#")[0].split("?")[0])
    joined = path if path.startswith("/") else posixpath.join(base, path)
    return posixpath.normpath(joined)


def prioritize_first_image(page_html: str) -> str:
    """The first image in `<main>` is likely the largest thing on a phone's first screen: load it now
    (no `loading="lazy"`) and ask for it first (`fetchpriority="high"`); every later image stays lazy."""
    main = page_html.find("<main")
    start = page_html.find("<img ", main if main >= 0 else 0)
    if start < 0:
        return page_html
    end = page_html.find(">", start)
    tag = page_html[start:end]
    if ' loading="lazy"' not in tag:
        return page_html
    return page_html[:start] + tag.replace(' loading="lazy"', ' fetchpriority="high"') + page_html[end:]


def image_warnings(plan: ImagePlan, refs: Iterable[tuple[str, str, int, str]]) -> list[tuple[str, int, str, dict]]:
    """(file, line, key, params) for each reference to a source over 10 MB or under 320 px wide."""
    found: list[tuple[str, int, str, dict]] = []
    seen: set[tuple[str, str]] = set()
    for origin, path, line, src in refs:
        source = plan.sources.get(path)
        if source is None or (origin, path) in seen:
            continue
        seen.add((origin, path))
        size = source.file.stat().st_size
        if size > LARGE_SOURCE_BYTES:
            found.append((origin, line, "image.large", {"src": src, "mb": f"{size / 1048576:.1f}"}))
        if source.width < SMALL_SOURCE_WIDTH:
            found.append((origin, line, "image.small", {"src": src, "width": source.width}))
    return found


# -- images copied as they are (static/ and theme files no content names) ---------------------------

_JPEG_DROP = {0xE1, 0xED, 0xFE}  # APP1 (EXIF, XMP), APP13 (IPTC/Photoshop), COM
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}


def strip_metadata(data: bytes) -> bytes | None:
    """`data` without EXIF/XMP/IPTC/comments, losslessly (pixels untouched); None when there is nothing
    to remove or the file is not a JPEG, PNG or WebP we can walk safely. For images nobody re-encodes:
    a photo a site owner drops in static/ and links from a template must not publish its GPS either."""
    if data[:2] == b"\xff\xd8":
        return _strip_jpeg(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _strip_chunks(data, 8, _PNG_DROP, png=True)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _strip_webp(data)
    return None


def _strip_jpeg(data: bytes) -> bytes | None:
    out, pos, dropped = bytearray(data[:2]), 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            return None
        if marker in _JPEG_DROP:
            dropped = True
        else:
            out += data[pos:end]
        pos = end
    else:
        return None
    return bytes(out + data[pos:]) if dropped else None


def _strip_chunks(data: bytes, start: int, drop: set[bytes], png: bool) -> bytes | None:
    out, pos, dropped = bytearray(data[:start]), start, False
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return None
        if kind in drop:
            dropped = True
        else:
            out += data[pos:end]
        pos = end
        if png and kind == b"IEND":
            break
    return bytes(out) if dropped else None


def _strip_webp(data: bytes) -> bytes | None:
    out, pos, dropped = bytearray(), 12, False
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        length = int.from_bytes(data[pos + 4:pos + 8], "little")
        end = pos + 8 + length + (length & 1)
        if end > len(data):
            return None
        if kind in _WEBP_DROP:
            dropped = True
        else:
            chunk = bytearray(data[pos:end])
            if kind == b"VP8X":  # clear the "has EXIF" and "has XMP" flags
                chunk[8] &= ~0x0C & 0xFF
            out += chunk
        pos = end
    if not dropped:
        return None
    return b"RIFF" + (len(out) + 4).to_bytes(4, "little") + b"WEBP" + bytes(out)


def clean_copies(copies: dict[str, Path], root: Path) -> int:
    """Point every copied JPEG/PNG/WebP that carries metadata at a stripped copy in the cache; returns
    how many were stripped now (not found in the cache)."""
    stripped = 0
    folder = root / "stripped"
    inside_root = os.path.join(root, "")
    for rel, source in sorted(copies.items()):
        suffix = posixpath.splitext(rel)[1].lower()
        if suffix not in (".jpg", ".jpeg", ".png", ".webp") or str(source).startswith(inside_root):
            continue
        try:
            data = source.read_bytes()
        except OSError:
            continue
        clean = strip_metadata(data)
        if clean is None:
            continue
        target = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}")
            temporary.write_bytes(clean)
            os.replace(temporary, target)
            stripped += 1
        copies[rel] = target
    return stripped
