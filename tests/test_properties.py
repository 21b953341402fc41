"""Property-based tests (Hypothesis) of the pure formatters and of output-path containment.

For any input: slugs are valid slugs or empty, WhatsApp numbers are normalised or refused, Rupiah and
dates read back to the value they show, and `safe_join` returns a path inside the output folder or
raises the project's own `UnsafePath` — nothing else, ever.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kimsite.formats import (
    SLUG_MAX,
    WHATSAPP_RE,
    format_date,
    format_rupiah,
    is_slug,
    normalize_whatsapp,
    slugify,
)
from kimsite.output import UnsafePath, safe_join

EXAMPLES = {"slugify": 2000, "whatsapp": 2000, "mobile_forms": 500, "rupiah": 1000, "date": 1000, "safe_join": 1000}

# Text that leans towards the tricky cases: separators, dots, NUL, backslashes, percent escapes,
# Windows drive colons, combining marks and non-Latin letters, next to anything Unicode has.
TRICKY = st.text(alphabet=st.sampled_from(list("/.\\\x00:%2eE é\u0301\u00e9ß\u0130İı-_~ \t\nCONcon0123456789ab")),
                 max_size=40)
ANY_TEXT = st.one_of(st.text(max_size=200), TRICKY)


@settings(max_examples=EXAMPLES["slugify"], deadline=None)
@given(ANY_TEXT)
@example("Kopi Janji Jiwa — Cabang Blimbing!")
@example("Café Ünïcödé")
@example("-" * 100)
@example("a" * 300)
def test_slugify_gives_a_valid_slug_or_nothing(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_slug(slug)
    assert len(slug) <= SLUG_MAX
    assert slugify(slug) == slug  # idempotent: a slug stays itself


@settings(max_examples=EXAMPLES["whatsapp"], deadline=None)
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\A(\+?62|0)?8[0-9 .\-()]{6,16}\Z")))
@example("0812-3456-7890")
@example("+62 812 3456 7890")
@example("(0341) 551234")
@example("0812345678901234567890")
def test_whatsapp_is_normalised_or_refused(text: str) -> None:
    number = normalize_whatsapp(text)
    if number is None:
        return
    assert WHATSAPP_RE.match(number)
    assert normalize_whatsapp(number) == number  # idempotent
    digits = re.sub(r"\D", "", text)
    assert number[2:] in digits  # no digit invented: the subscriber part is in what was typed


@settings(max_examples=EXAMPLES["mobile_forms"], deadline=None)
@given(st.from_regex(r"\A8[1-9][0-9]{6,10}\Z"), st.sampled_from(["0", "62", "+62", "+62 ", "(+62) "]),
       st.sampled_from(["", "-", " ", "."]))
def test_every_way_of_writing_a_mobile_number_gives_the_same_number(subscriber: str, prefix: str, sep: str) -> None:
    written = prefix + sep.join(subscriber[i:i + 4] for i in range(0, len(subscriber), 4))
    assert normalize_whatsapp(written) == "62" + subscriber


def _read_rupiah(text: str, lang: str) -> int:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("-")
    assert body.startswith("Rp")
    digits = body[2:].strip()
    sep = "." if lang == "id" else ","
    groups = digits.split(sep)
    assert all(g.isdigit() for g in groups)
    assert len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])  # thousands grouped by three
    return sign * int("".join(groups))


@settings(max_examples=EXAMPLES["rupiah"], deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15), st.booleans(), st.sampled_from(["id", "en"]))
@example(0, False, "id")
@example(15000, False, "id")
@example(-1, True, "en")
def test_rupiah_reads_back_to_its_value(value: int, space: bool, lang: str) -> None:
    text = format_rupiah(value, space, lang)
    assert _read_rupiah(text, lang) == value
    assert (" " in text) == space


MONTHS = {"id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                 "Oktober", "November", "Desember"],
          "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"]}


@settings(max_examples=EXAMPLES["date"], deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)), st.sampled_from(["id", "en"]),
       st.booleans())
@example(dt.date(2024, 8, 17), "id", True)
@example(dt.date(2024, 2, 29), "en", False)
def test_date_reads_back_to_its_value(value: dt.date, lang: str, weekday: bool) -> None:
    text = format_date(value, lang, weekday)
    date_part = text.split(", ", 1)[1] if weekday else text
    day, month, year = date_part.split(" ")
    assert dt.date(int(year), MONTHS[lang].index(month) + 1, int(day)) == value
    assert (", " in text) == weekday


@pytest.fixture(scope="module")
def output_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder with a subfolder, a file, and symlinks leading out of it."""
    base = tmp_path_factory.mktemp("containment")
    outside = base / "luar"
    outside.mkdir()
    (outside / "rahasia.txt").write_text("x")
    root = base / "build"
    (root / "kelurahan" / "purwantoro").mkdir(parents=True)
    (root / "index.html").write_text("x")
    os.symlink(outside, root / "keluar")
    os.symlink(outside / "rahasia.txt", root / "kelurahan" / "rahasia.txt")
    os.symlink(base, root / "kelurahan" / "atas")
    return root


PATHS = st.one_of(
    ANY_TEXT,
    st.lists(st.sampled_from(["..", ".", "", "keluar", "kelurahan", "atas", "purwantoro", "rahasia.txt",
                              "index.html", "%2e%2e", "..\\..", "C:", "con", "a\x00b", "/etc", "é"]),
             min_size=1, max_size=6).map("/".join),
)


@settings(max_examples=EXAMPLES["safe_join"], deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PATHS)
@example("../x")
@example("/etc/x")
@example("..\\x")
@example("%2e%2e/%2e%2e/x")
@example("keluar/rahasia.txt")
@example("kelurahan/atas/luar/rahasia.txt")
@example("kelurahan/rahasia.txt")
@example("a" * 300)
@example("x/" * 2000)
def test_safe_join_stays_inside_or_raises_unsafe_path(output_root: Path, relative: str) -> None:
    try:
        target = safe_join(output_root, relative)
    except UnsafePath:
        return
    real_root = output_root.resolve()
    assert target.resolve().is_relative_to(real_root)
    assert target.parent.resolve().is_relative_to(real_root)
    assert not target.is_symlink()
