"""Indonesian formats, pure functions: slugs, WhatsApp numbers, Rupiah, dates and times.

Used by validation (content.py) and by the theme's filters (theme.py); no I/O, no state.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from markupsafe import Markup

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX = 60
WHATSAPP_RE = re.compile(r"^628[1-9]\d{6,10}$")
WIB = dt.timezone(dt.timedelta(hours=7), "WIB")

HARI = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
_DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTH_NAMES = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


@functools.lru_cache(maxsize=1024)
def strip_tags(html: str) -> str:
    """The text of an HTML fragment (`Markup.striptags`: tags and comments gone, entities decoded,
    whitespace collapsed). Remembered: a page's body is stripped for its own description, its
    structured data and every list it appears in."""
    return Markup(html).striptags()


def plain_words(html: str) -> str:
    """The words of an HTML fragment, one space between each (`strip_tags` collapses whitespace before
    it decodes entities, so a decoded `&nbsp;` would stay): what search entries, excerpts and
    structured-data descriptions show of a body."""
    return " ".join(strip_tags(html).split())


def slugify(name: str) -> str:
    """NFKD → ASCII, lowercase, runs of anything else → '-', at most 60 characters."""
    ascii_text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rstrip("-")
    return slug


@functools.lru_cache(maxsize=4096)  # every file of a kelurahan asks about the same folder name
def is_slug(text: str) -> bool:
    return len(text) <= SLUG_MAX and bool(SLUG_RE.match(text))


# Names Windows refuses for a file or folder (with any extension): a site must stay copyable there.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))})


@functools.lru_cache(maxsize=4096)
def is_reserved_name(text: str) -> bool:
    return text.split(".", 1)[0].strip().lower() in RESERVED_NAMES


def normalize_whatsapp(text: str) -> str | None:
    """`0812-3456-789` → `628123456789`; None when it is not an Indonesian mobile number."""
    digits = re.sub(r"\D", "", str(text))
    if digits.startswith("620"):
        digits = "62" + digits[3:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if WHATSAPP_RE.match(digits) else None


def format_thousands(value: int, lang: str = "id") -> str:
    sep = "." if lang == "id" else ","
    return f"{value:,}".replace(",", sep)


def format_rupiah(value: int, space: bool = False, lang: str = "id") -> str:
    """PUEBI: `Rp15.000` (or `Rp 15.000` when the site asks for a space); negative stays readable."""
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{' ' if space else ''}{format_thousands(abs(int(value)), lang)}"


def format_date(value: dt.date, lang: str = "id", weekday: bool = True) -> str:
    """`Kamis, 1 Agustus 2024` (id) or `Thursday, 1 August 2024` (en)."""
    text = f"{value.day} {_MONTH_NAMES[lang][value.month - 1]} {value.year}"
    if weekday:
        text = f"{_DAY_NAMES[lang][value.weekday()]}, {text}"
    return text


def format_month(value: dt.date, lang: str = "id") -> str:
    return f"{_MONTH_NAMES[lang][value.month - 1]} {value.year}"


def format_time(value: dt.datetime | str) -> str:
    """`08.30 WIB` (PUEBI uses a dot between hours and minutes)."""
    if isinstance(value, str):
        hours, minutes = value.split(":")
    else:
        local = value.astimezone(WIB) if value.tzinfo else value
        hours, minutes = f"{local.hour:02d}", f"{local.minute:02d}"
    return f"{hours}.{minutes} WIB"


def format_datetime(value: dt.datetime, lang: str = "id") -> str:
    local = value.astimezone(WIB) if value.tzinfo else value
    return f"{format_date(local.date(), lang)}, {format_time(local)}"


def day_name(slug: str, lang: str = "id") -> str:
    return _DAY_NAMES[lang][HARI.index(slug)]
