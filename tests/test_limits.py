"""Parsing limits: front matter over 1 MB and nesting deeper than 50 levels are refused quickly and clearly.

The spec'd limit is "a clear error within 2 s"; each case times the whole `kimsite build` of a small
site with time.monotonic.
"""

from __future__ import annotations

import time

import pytest
from sitetools import build_site, make_site

from kimsite.yamlread import MAX_BYTES, MAX_DEPTH, YamlProblem, load

U = "content/kelurahan/purwantoro/umkm/besar.md"
FRONT = 'nama: Warung Besar\nkategori: kuliner\nkontak:\n  whatsapp: "0812-3456-7890"\n'
BODY = "Warung yang datanya terlalu besar atau terlalu dalam untuk dibaca dengan aman.\n"


def _block_nesting(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "nilai\n"


def _umkm(extra: str) -> str:
    return f"-- {U} --\n---\n{FRONT}{extra}---\n{BODY}"


CASES = {
    "front-matter-1.1-mb": (_umkm("catatan_jam: >\n" + ("  " + "x" * 98 + "\n") * 11_000), f"{U}:2: ", "1 MB"),
    "front-matter-1.1-mb-one-line": (_umkm("catatan_jam: " + "x" * 1_100_000 + "\n"), f"{U}:2: ", "1 MB"),
    "nesting-51-block": (_umkm("lokasi:\n" + "".join("  " + line + "\n" for line in _block_nesting(55).splitlines())),
                         f"{U}:", "50"),
    "nesting-51-flow-lists": (_umkm("lokasi: " + "[" * 60 + "]" * 60 + "\n"), f"{U}:6: ", "50"),
    "nesting-51-flow-maps": (_umkm("lokasi: " + "{a: " * 60 + "1" + "}" * 60 + "\n"), f"{U}:6: ", "50"),
    "nesting-100k-flow": (_umkm("lokasi: " + "[" * 100_000 + "]" * 100_000 + "\n"), f"{U}:6: ", "50"),
    "nesting-deep-lists-block": (_umkm("lokasi:\n" + "".join("  " * (i + 1) + "-\n" for i in range(60))
                                       + "  " * 61 + "x\n"), f"{U}:", "50"),
    "site-yaml-1.1-mb": ("-- site.yaml --\nnama: Situs\nurl: https://contoh.github.io/uji/\ndeskripsi: "
                         + "x" * 1_100_000 + "\n", "site.yaml:1: ", "1 MB"),
    "site-yaml-nesting": ("-- site.yaml --\nnama: Situs\nurl: https://contoh.github.io/uji/\ndeskripsi: d\n"
                          "pengelola: " + "[" * 80 + "]" * 80 + "\n", "site.yaml:4: ", "50"),
    "alias-bomb": (_umkm("".join(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9 if i else ['"lol"'] * 9) + "]\n"
                                 for i in range(12))), f"{U}:6: ", "alias"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_oversized_or_deep_input_is_refused_within_two_seconds(name: str, tmp_path) -> None:
    spec, prefix, words = CASES[name]
    site = make_site(tmp_path, spec)
    started = time.monotonic()
    result = build_site(site)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output[-2000:]
    assert "Traceback" not in result.output
    line = next((x for x in result.lines() if x.startswith(prefix)), None)
    assert line is not None, result.output[-2000:]
    assert words in line and ";" in line, line  # says what the limit is and what to do
    assert elapsed < 2.0, f"{name} took {elapsed:.2f} s"


def test_the_limits_are_the_documented_ones() -> None:
    assert MAX_BYTES == 1_000_000 and MAX_DEPTH == 50


@pytest.mark.parametrize("depth", [49, 50])
def test_nesting_up_to_the_limit_is_accepted(depth: int) -> None:
    text = "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"  # the mapping itself is level 1
    started = time.monotonic()
    assert load(text) is not None
    assert time.monotonic() - started < 2.0


def test_front_matter_just_under_the_limit_is_accepted() -> None:
    text = "x: " + "a" * (MAX_BYTES - 10) + "\n"
    assert load(text)["x"].startswith("a")
    with pytest.raises(YamlProblem) as problem:
        load(text + "y: " + "b" * 20 + "\n")
    assert problem.value.key == "yaml.too_big"
