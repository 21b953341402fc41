"""The smallest end-to-end checks: the base test site and the bundled site build."""

from pathlib import Path

from sitetools import build_site, make_site, page

REPO = Path(__file__).resolve().parent.parent


def test_base_site_builds(tmp_path):
    site = make_site(tmp_path)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert html.h1.get_text(strip=True) == "Keripik Tempe Bu Sri"
    wa = html.select_one("a.button-wa")["href"]
    assert wa.startswith("https://wa.me/6281234567890?text=")


def test_bundled_site_builds(tmp_path):
    out = tmp_path / "out"
    result = build_site(REPO, "-o", str(out))
    assert result.exit_code == 0, result.output
    home = page(REPO, "/", out)
    assert home.html["lang"] == "id"
    assert (out / "sitemap.xml").is_file()
