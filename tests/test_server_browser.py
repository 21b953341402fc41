"""`kimsite serve` in a real browser (Playwright driving Debian's Chromium): live reload, CSS swap,
the error overlay appearing and going away by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_browser  # noqa: F401 - session fixture
from sitetools import SOURCE_DATE_EPOCH, make_site

from kimsite.server import ServeOptions, Server

UMKM_MD = "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
UMKM_URL = "kelurahan/purwantoro/umkm/keripik-tempe/"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Path]]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    site = make_site(tmp_path)
    theme_css = Path(__file__).resolve().parent.parent / "themes/default/static/css/kimsite.css"
    (site / "static/css").mkdir(parents=True)
    (site / "static/css/kimsite.css").write_bytes(theme_css.read_bytes())  # the site's copy overrides it
    server = Server(ServeOptions(site_dir=site, port=0), log=lambda _m: None).start()
    try:
        yield server, site
    finally:
        server.stop()


@pytest.fixture
def tab(chromium_browser):  # type: ignore[no-untyped-def]  # noqa: F811 - the session fixture above
    context = chromium_browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _replace_body(text: str, body: str) -> str:
    _, front, _ = text.split("---\n", 2)
    return f"---\n{front}---\n{body}\n"


def _connected(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => window.kimsiteEvents && window.kimsiteEvents.readyState === 1")


def test_edit_shows_without_reloading_by_hand_then_overlay_then_recovery(live, tab) -> None:  # type: ignore[no-untyped-def]
    server, site = live
    page = tab
    md = site / UMKM_MD
    good = md.read_text(encoding="utf-8")
    page.goto(server.url + UMKM_URL)
    assert "Keripik tempe renyah" in page.inner_text("main")
    _connected(page)

    md.write_text(_replace_body(good, "Sekarang ada rasa balado."), encoding="utf-8")
    page.get_by_text("Sekarang ada rasa balado.").wait_for()

    _connected(page)
    md.write_text(good.replace("kategori: oleh-oleh", "kategori: [oleh"), encoding="utf-8")
    overlay = page.locator("#kimsite-overlay")
    overlay.wait_for()
    text = overlay.inner_text()
    assert f"{UMKM_MD}:3:" in text
    assert "Sekarang ada rasa balado." in page.inner_text("main")  # the last good page stays

    md.write_text(_replace_body(good, "Sudah benar lagi."), encoding="utf-8")
    page.get_by_text("Sudah benar lagi.").wait_for()
    overlay.wait_for(state="detached")


def test_overlay_is_there_when_a_page_is_opened_during_an_error(live, tab) -> None:  # type: ignore[no-untyped-def]
    server, site = live
    page = tab
    md = site / UMKM_MD
    good = md.read_text(encoding="utf-8")
    md.write_text(good.replace("kategori: oleh-oleh", 'kategori: oleh-oleh\n"<img src=x onerror=window.pwned=1>": 1'),
                  encoding="utf-8")
    server.wait_idle()
    page.wait_for_timeout(300)
    server.wait_idle()
    page.goto(server.url)
    overlay = page.locator("#kimsite-overlay")
    assert f"{UMKM_MD}:4:" in overlay.inner_text()
    assert "<img src=x onerror=window.pwned=1>" in overlay.inner_text()  # shown as text, never run
    assert page.evaluate("() => window.pwned === undefined")
    _connected(page)
    md.write_text(good, encoding="utf-8")
    overlay.wait_for(state="detached")


def test_css_change_swaps_the_stylesheet_without_reloading(live, tab) -> None:  # type: ignore[no-untyped-def]
    server, site = live
    page = tab
    page.goto(server.url + UMKM_URL)
    _connected(page)
    page.evaluate("() => { window.notReloaded = true; }")
    color = "() => getComputedStyle(document.querySelector('h1')).color"
    before = page.evaluate(color)
    css = site / "static/css/kimsite.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3) !important; }\n", encoding="utf-8")
    page.wait_for_function(f"() => ({color})() === 'rgb(1, 2, 3)'")
    assert before != "rgb(1, 2, 3)"
    assert page.evaluate("() => window.notReloaded === true")  # swapped, not reloaded
    assert "kimsite=" in page.get_attribute('link[href*="kimsite.css"]', "href")
