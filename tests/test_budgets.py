"""Phone budgets enforced by the build: no resources from other hosts, no render-blocking script,
each page's HTML+CSS+JS within 50 KB gzip (a warning names the page), and the offline switch."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitetools import build_site, make_site, page, tree_bytes

from kimsite.budgets import PAGE_BUDGET, is_external, page_resources, page_weight, resolve

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundled_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("budget") / "out"
    result = build_site(REPO, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "peringatan" not in result.output.split("\n")[-2] or " 0 peringatan" in result.output
    return out


def reader(out: Path):  # type: ignore[no-untyped-def]
    def read(rel: str) -> bytes | None:
        path = out / rel
        return path.read_bytes() if path.is_file() else None
    return read


def test_no_page_loads_anything_from_another_host(bundled_out):
    checked = 0
    for file in sorted(bundled_out.rglob("*.html")):
        soup = BeautifulSoup(file.read_bytes(), "html.parser")
        # Independent of the build's own parser: every src/srcset/poster/data and every <link href>.
        urls = [tag[attr] for attr in ("src", "poster", "data") for tag in soup.find_all(attrs={attr: True})]
        urls += [part.split()[0] for tag in soup.find_all(attrs={"srcset": True})
                 for part in tag["srcset"].split(",") if part.strip()]
        urls += [tag["href"] for tag in soup.find_all("link", href=True)
                 if not set(tag.get("rel", [])) & {"canonical", "alternate"}]
        for url in urls:
            assert not is_external(url, "kim-malang.github.io"), (file, url)
            assert not url.startswith(("http:", "https:", "//")), (file, url)
        for link in soup.find_all("link", href=True):
            if "stylesheet" in link.get("rel", []):
                assert resolve(file.relative_to(bundled_out).as_posix(), link["href"]), link
        checked += 1
    assert checked > 100


def test_every_page_is_within_budget_and_scripts_never_block(bundled_out):
    read = reader(bundled_out)
    weights = []
    for file in sorted(bundled_out.rglob("*.html")):
        rel = file.relative_to(bundled_out).as_posix()
        html = file.read_bytes()
        weight = page_weight(rel, html, read, base_path="/kimsite/")
        if b'http-equiv="refresh"' not in html:
            assert weight.css > 0, rel  # the stylesheet was found and counted
        assert weight.total <= PAGE_BUDGET, (rel, weight)
        weights.append(weight.total)
        found = page_resources(html.decode())
        assert found.blocking_scripts == [], rel
        for script in BeautifulSoup(html, "html.parser").find_all("script"):
            assert script.get("type") == "application/ld+json" or script.has_attr("defer"), (rel, script)
    assert max(weights) > 3000  # sizes are real, not zero


def test_no_web_fonts_in_the_default_theme(bundled_out):
    for css in bundled_out.rglob("*.css"):
        assert b"@font-face" not in css.read_bytes()
    assert not list(bundled_out.rglob("*.woff*")) and not list(bundled_out.rglob("*.ttf"))


THEME_WITH_CDN = """
-- site.yaml --
nama: Situs Uji
url: https://contoh.github.io/uji/
deskripsi: Situs kecil untuk pengujian kimsite.
tema: cdn
pengelola:
  nama: KIM Uji
  jenis: kim
{extra}
-- themes/cdn/tema.yaml --
induk: default
-- themes/cdn/templates/halaman.html --
{{% extends "base.html" %}}
{{% block head %}}<script src="https://cdn.example.com/lib.js"></script>
<link rel="stylesheet" href="//fonts.example.net/a.css">{{% endblock %}}
{{% block content %}}<h1>{{{{ page.title }}}}</h1>{{% endblock %}}
-- content/halaman/tentang.md --
---
judul: Tentang
---
Halaman tentang situs uji.
"""


def test_a_resource_from_another_host_fails_the_build_and_names_the_page(tmp_path):
    site = make_site(tmp_path, THEME_WITH_CDN.format(extra=""))
    result = build_site(site)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.lines() if line.startswith("/tentang/")]
    assert any("`https://cdn.example.com/lib.js`" in line and "sumber_luar: true" in line for line in lines), lines
    assert any("`//fonts.example.net/a.css`" in line for line in lines), lines
    assert not (site / "build").exists()  # nothing written


def test_the_owner_can_allow_other_hosts_but_blocking_scripts_still_warn(tmp_path):
    site = make_site(tmp_path, THEME_WITH_CDN.format(extra="sumber_luar: true"))
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert any(line.startswith("/tentang/: peringatan:") and "`https://cdn.example.com/lib.js`" in line
               and "defer" in line for line in result.lines()), result.output
    assert build_site(site, "--strict").exit_code == 1


def test_sumber_luar_must_be_true_or_false(tmp_path):
    site = make_site(tmp_path, THEME_WITH_CDN.format(extra="sumber_luar: kadang"))
    result = build_site(site)
    assert result.exit_code == 1
    assert any(line.startswith("site.yaml:8:") and "sumber_luar" in line for line in result.lines()), result.output


def _incompressible_words(count: int) -> str:
    return " ".join(hashlib.sha256(str(i).encode()).hexdigest()[:10] for i in range(count))


def test_a_page_over_budget_gets_a_warning_naming_it(tmp_path):
    body = _incompressible_words(12_000)  # ~130 KB of text that gzip cannot shrink much
    site = make_site(tmp_path, f"""
-- content/halaman/panjang.md --
---
judul: Panjang
---
{body}
""")
    result = build_site(site)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.lines() if "peringatan" in line and "50 KB" in line]
    assert len(warnings) == 1, result.output
    assert warnings[0].startswith("/panjang/: peringatan: halaman berbobot ")
    kb = float(re.search(r"berbobot ([\d.]+) KB", warnings[0]).group(1))
    assert kb > 50
    assert build_site(site, "--strict").exit_code == 1


def test_offline_worker_is_registered_deferred_and_versioned_by_the_build(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    home = page(site, "/")
    register = home.find("script", attrs={"data-sw": True})
    assert register is not None and register.has_attr("defer")
    assert register["data-sw"] == "sw.js" and register["src"] == "js/kimsite.js"
    sw = (site / "build" / "sw.js").read_text()
    assert 'addEventListener("fetch"' in sw and '["css/kimsite.css"]' in sw
    version = re.search(r'var CACHE = PREFIX \+ "([0-9a-f]{12})"', sw).group(1)
    # Deeper pages point at the same root worker.
    deep = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert deep.find("script", attrs={"data-sw": True})["data-sw"] == "../../../../sw.js"
    # Same input, same bytes; changed content, new cache version.
    first = tree_bytes(site / "build")
    assert build_site(site).exit_code == 0
    assert tree_bytes(site / "build") == first
    md = site / "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
    md.write_text(md.read_text().replace("renyah", "gurih"))
    assert build_site(site).exit_code == 0
    new_version = re.search(r'var CACHE = PREFIX \+ "([0-9a-f]{12})"', (site / "build" / "sw.js").read_text())
    assert new_version.group(1) != version


def test_offline_false_removes_the_worker(tmp_path):
    site = make_site(tmp_path)
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text() + "offline: false\n")
    result = build_site(site)
    assert result.exit_code == 0, result.output
    for file in (site / "build").rglob("*.html"):
        soup = BeautifulSoup(file.read_bytes(), "html.parser")
        assert soup.find("script", attrs={"data-sw": True}) is None, file
        assert not soup.find("script", src=re.compile("kimsite.js")), file
    sw = (site / "build" / "sw.js").read_text()  # a kill switch for workers of earlier builds
    assert "unregister()" in sw and 'addEventListener("fetch"' not in sw


def test_offline_must_be_true_or_false(tmp_path):
    site = make_site(tmp_path)
    yaml = site / "site.yaml"
    lines = yaml.read_text().splitlines()
    yaml.write_text("\n".join(lines) + "\noffline: mati\n")
    result = build_site(site)
    assert result.exit_code == 1
    assert any(line.startswith(f"site.yaml:{len(lines) + 1}:") and "offline" in line
               for line in result.lines()), result.output


def test_a_site_file_named_sw_js_is_a_duplicate(tmp_path):
    site = make_site(tmp_path, """
-- static/sw.js --
console.log("mine");
""")
    result = build_site(site)
    assert result.exit_code == 1
    assert any("static/sw.js" in line for line in result.lines()), result.output


def test_resolve_fast_path_agrees_with_the_full_resolution() -> None:
    """`resolve` short-cuts `../../css/x.css` from a page two folders deep (asked for every page of a
    site); every other shape goes the long way. Both must always agree."""
    import random

    from kimsite.budgets import resolve, resolve_full

    rng = random.Random(7)
    segments = ["..", ".", "a", "css", "x.css", "", "%2e%2e", "q?x=1", "f#y", "c:d", "a\\b", "index.html"]
    for _ in range(50_000):
        depth = rng.randint(0, 4)
        page_file = "".join(rng.choice("kux") + "/" for _ in range(depth)) + "index.html"
        url = "../" * rng.randint(0, 5) + "/".join(rng.choice(segments) for _ in range(rng.randint(0, 4)))
        url += "/" if rng.random() < 0.3 else ""
        for base in ("/", "/repo/"):
            assert resolve(page_file, url, base) == resolve_full(page_file, url, base), (page_file, url)


def test_remembered_budget_results_follow_a_stylesheet_that_grows(tmp_path):
    """A rebuild replays the budget result of an unchanged page only while the stylesheets and scripts it
    loads weigh the same: a site stylesheet grown past the budget warns on every page that loads it."""
    site = make_site(tmp_path, """
-- static/css/kimsite.css --
body { color: #123; }
""")
    first = build_site(site)
    assert first.exit_code == 0, first.output
    assert "50 KB" not in first.output
    (site / "static/css/kimsite.css").write_text("/* " + _incompressible_words(12_000) + " */\n", encoding="utf-8")
    grown = build_site(site)  # incremental: pages that did not change replay nothing stale
    assert grown.exit_code == 0, grown.output
    heavy = sorted(line for line in grown.lines() if "50 KB" in line)
    assert heavy and any(line.startswith("/: ") for line in heavy)
    clean = build_site(site, "-o", str(tmp_path / "bersih"), "--no-cache")
    assert sorted(line for line in clean.lines() if "50 KB" in line) == heavy
    # one page edited: every other page's result, its warning included, is replayed from the memo
    from kimsite import cache

    remembered = cache.load(site)[0].budgets
    umkm = site / "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
    umkm.write_text(umkm.read_text(encoding="utf-8") + "\nSatu kalimat lagi.\n", encoding="utf-8")
    edited = build_site(site)
    assert edited.exit_code == 0, edited.output
    assert sorted(line for line in edited.lines() if "50 KB" in line) == heavy
    again = cache.load(site)[0].budgets
    assert again["index.html"] == remembered["index.html"]
    changed = "kelurahan/purwantoro/umkm/keripik-tempe/index.html"
    assert again[changed][0] != remembered[changed][0]  # made again: its fingerprint changed


def test_gzip_bound_is_never_below_the_compressed_size():
    import os

    from kimsite.budgets import gzip_bound, gzip_size

    samples = [b"", b"a", os.urandom(1), os.urandom(100), os.urandom(16_383), os.urandom(65_537),
               os.urandom(300_000), b"ab" * 40_000, _incompressible_words(3_000).encode()]
    for data in samples:
        assert gzip_size(data) <= gzip_bound(len(data)), len(data)
    assert gzip_size(samples[6]) > len(samples[6])  # random bytes do grow: the bound is needed


HEAVY_THEME = """
-- themes/berat/tema.yaml --
induk: default
-- themes/berat/static/css/berat.css --
{css}
-- themes/berat/templates/halaman.html --
{{% extends "base.html" %}}
{{% block head %}}<link rel="stylesheet" href="{{{{ url('/css/berat.css') }}}}">{{% endblock %}}
{{% block content %}}<h1>{{{{ page.title }}}}</h1>{{{{ page.body_html }}}}{{% endblock %}}
-- content/halaman/ringan.md --
---
judul: Ringan
---
{light}
-- content/halaman/padat.md --
---
judul: Padat
---
{dense}
"""


def test_a_small_page_is_weighed_exactly_when_its_bound_is_not_enough(tmp_path):
    """Pages under half the budget are not compressed where they are rendered; when the stylesheet is
    heavy, their bound (raw size) is not enough, so the build compresses them: the warning goes to
    exactly the pages whose real weight is over budget."""
    from kimsite.budgets import COMPRESS_ABOVE, gzip_bound

    css = "/* " + _incompressible_words(6_200) + " */"  # ~38 KB gzip
    site = make_site(tmp_path, HEAVY_THEME.format(css=css, light="Teks ringan berulang. " * 800,
                                                  dense=_incompressible_words(1_400)))
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "tema: berat\n")
    result = build_site(site)
    assert result.exit_code == 0, result.output
    out = site / "build"
    read = reader(out)
    for name, over in (("ringan", False), ("padat", True)):
        html = (out / name / "index.html").read_bytes()
        weight = page_weight(f"{name}/index.html", html, read)
        assert len(html) <= COMPRESS_ABOVE < gzip_bound(len(html)) + weight.css + weight.js, name
        assert (weight.total > PAGE_BUDGET) is over, (name, weight)
        warned = [line for line in result.lines() if line.startswith(f"/{name}/: peringatan: halaman berbobot")]
        assert len(warned) == int(over), result.output
        if over:
            assert f"berbobot {weight.total / 1024:.1f} KB" in warned[0], (warned, weight)
