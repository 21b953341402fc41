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
from kimsite.yamlread import YamlProblem, load

EXAMPLES = {"slugify": 2000, "whatsapp": 2000, "mobile_forms": 500, "rupiah": 1000, "date": 1000, "safe_join": 1000,
            "yaml": 2000, "front_matter": 300}

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


YAMLISH = st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\t\n ab01.~\\\x00\x07\ufeff\u2028é")), max_size=80)


@settings(max_examples=EXAMPLES["yaml"], deadline=None)
@given(st.one_of(YAMLISH, st.text(max_size=200)), st.integers(min_value=0, max_value=5))
@example("a: &a [*a]", 1)
@example("? [a]\n: b", 0)
@example("a: !!binary x", 0)
@example("a: 2024-13-45", 0)
@example("[" * 60, 0)
def test_yaml_reader_returns_data_or_its_own_error(text: str, offset: int) -> None:
    """Any text at all: plain data back, or a YamlProblem with a line inside the text — nothing else."""
    try:
        load(text, line_offset=offset)
    except YamlProblem as problem:
        breaks = sum(text.count(c) for c in "\n\r\x85\u2028\u2029")  # YAML's line breaks, not only \n
        assert offset + 1 <= problem.line <= offset + breaks + 2
        assert problem.key.startswith("yaml.")


def _front_matter_values() -> st.SearchStrategy:
    from kimsite import content

    nested = sorted(set(content.UMKM_KONTAK_KEYS + content.JAM_BUKA_KEYS + content.PRODUK_KEYS
                        + content.LEGALITAS_KEYS + content.AGENDA_LOKASI_KEYS + content.KANTOR_KEYS
                        + content.KIM_KEYS + content.IMAGE_KEYS + ("lat", "lon", "nomor", "tanggal", "jabatan")))
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                        st.text(max_size=30), st.dates(), st.datetimes(),
                        st.sampled_from(["0812-3456-7890", "08:30", "keripik.png", "../../x.png", "kuliner",
                                         "https://shopee.co.id/x", "javascript:alert(1)", "35.73.01.1007",
                                         "senin", "tunai", "@kim.uji", "", " "]))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(nested), inner, max_size=5)), max_leaves=12)


KINDS = {
    "umkm": ("content/kelurahan/purwantoro/umkm/x.md", "UMKM_KEYS"),
    "berita": ("content/kelurahan/purwantoro/berita/2026-11-01-x.md", "BERITA_KEYS"),
    "agenda": ("content/kelurahan/purwantoro/agenda/2026-12-01-x.md", "AGENDA_KEYS"),
    "kelurahan": ("content/kelurahan/purwantoro/_index.md", "KELURAHAN_KEYS"),
}


@pytest.fixture(scope="module")
def parse_env(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from sitetools import make_site

    from kimsite.build import build_time
    from kimsite.config import load_config
    from kimsite.content import ParseContext

    site = make_site(tmp_path_factory.mktemp("fuzz"))
    config = load_config(site)
    return site, ParseContext(config, frozenset({"35.73.01.1007"}), frozenset({"blimbing"}), build_time(), site)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_any_front_matter_gives_diagnostics_never_an_exception(kind: str, parse_env) -> None:  # noqa: ANN001
    """Random keys and values of every type in a content file: the parser reports, it never crashes."""
    import yaml

    from kimsite import content
    from kimsite.errors import Report

    site, ctx = parse_env
    rel, keys_name = KINDS[kind]
    keys = getattr(content, keys_name) + ("tidak_dikenal",)
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text("---\n---\n", encoding="utf-8")
    source = next(s for s in content.discover(site, Report()).sources if s.path == rel)

    @settings(max_examples=EXAMPLES["front_matter"], deadline=None)
    @given(st.dictionaries(st.sampled_from(keys), _front_matter_values(), max_size=8))
    def check(front: dict) -> None:
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\nIsi halaman yang cukup panjang.\n"
        (site / rel).write_text(text, encoding="utf-8")
        report = Report()
        content.parse_page(site, source, report, ctx)
        for diag in report.items:
            assert diag.path == rel
            assert diag.text()  # every key renders a message

    check()


@settings(max_examples=EXAMPLES["front_matter"], deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(("nama", "url", "deskripsi", "bahasa", "tema", "kota", "provinsi", "wilayah",
                                        "pengelola", "kontak", "sosmed", "kategori_umkm", "format_harga", "offline",
                                        "sumber_luar", "slug", "jenis", "email", "whatsapp", "spasi", "instagram")),
                       _front_matter_values(), max_size=10))
def test_any_site_yaml_gives_a_config_or_kimsite_error(tmp_path: Path, data: dict) -> None:
    import yaml

    from kimsite.config import load_config
    from kimsite.errors import KimsiteError

    (tmp_path / "site.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_config(tmp_path)
    except KimsiteError as error:
        assert all(d.path in ("site.yaml", "--base-url") for d in error.diagnostics)
        assert str(error)
