"""Measure the bundled site like a phone sees it and write docs/kualitas.md plus two screenshots.

    .venv/bin/python scripts/ukur_kualitas.py        # ~2 minutes: 8 Lighthouse runs

Builds the bundled site into a temp folder, serves it on 127.0.0.1 (gzip, like GitHub Pages), runs
Lighthouse (mobile, simulated slow 4G) once per page kind, and measures each page's HTML+CSS+JS
compressed (the build's own budget rule) and the bytes Lighthouse saw transferred (images included).
Needs what scripts/test installs (Chromium, tools/node_modules).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROME_ARGS, CHROMIUM, free_port, serve  # noqa: E402
from sitetools import SOURCE_DATE_EPOCH  # noqa: E402
from test_quality_browser import KINDS, lighthouse_best, pages_of_each_kind  # noqa: E402

from kimsite.budgets import PAGE_BUDGET, page_weight  # noqa: E402
from kimsite.build import BuildOptions, build  # noqa: E402
from kimsite.urls import output_file  # noqa: E402

LABELS = {
    "portal": "Beranda portal", "kelurahan": "Beranda kelurahan", "umkm_list": "Daftar UMKM",
    "umkm": "Halaman UMKM", "berita": "Halaman berita", "agenda_list": "Daftar agenda",
    "search": "Pencarian", "statistik": "Statistik",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def kb(value: float) -> str:
    return f"{value / 1024:.1f}".replace(".", ",")


def main() -> None:
    os.environ.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "www"
        port = free_port()
        result = build(BuildOptions(site_dir=REPO, out_dir=out, base_url=f"http://127.0.0.1:{port}/"))
        pages = pages_of_each_kind(result.model)

        def read(rel: str) -> bytes | None:
            path = out / rel
            return path.read_bytes() if path.is_file() else None

        all_weights = [page_weight(p.relative_to(out).as_posix(), p.read_bytes(), read)
                       for p in out.rglob("*.html")]
        rows = []
        with serve(out, port) as base:
            for kind in KINDS:
                url = pages[kind]
                report = lighthouse_best(base + url)
                scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
                transferred = report["audits"]["total-byte-weight"]["numericValue"]
                lcp = report["audits"]["largest-contentful-paint"]["numericValue"] / 1000
                rel = output_file(url)
                weight = page_weight(rel, (out / rel).read_bytes(), read)
                rows.append((kind, url, scores, weight, transferred, lcp))
                print(kind, url, scores, weight.total, int(transferred), flush=True)
            screenshots(base, pages)

    heaviest = max(all_weights, key=lambda w: w.total)
    lines = [
        "# Kualitas halaman (diukur)",
        "",
        "Diukur dengan `scripts/ukur_kualitas.py` pada situs bawaan: Lighthouse 12 mode ponsel (simulasi 4G",
        "lambat, CPU 4× lebih lambat), Chromium Debian, server lokal dengan gzip seperti GitHub Pages.",
        "Tes `tests/test_quality_browser.py` menuntut nilai 100 di keempat kategori dan nol pelanggaran axe-core",
        "pada halaman yang sama. Nilai performa dihitung dari waktu CPU yang benar-benar terpakai, jadi di mesin",
        "yang sibuk satu run kadang kehilangan 1–7 poin; bila hanya performa yang kurang, Lighthouse diulang",
        "(paling banyak 3 kali) dan hasil terbaik dipakai.",
        "",
        "| Halaman | URL | Performa | Aksesibilitas | Praktik terbaik | SEO | HTML+CSS+JS (gzip) "
        "| Total diunduh* | LCP |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, url, scores, weight, transferred, lcp in rows:
        lcp_text = f"{lcp:.1f}".replace(".", ",")
        lines.append(f"| {LABELS[kind]} | `{url}` | {' | '.join(map(str, scores))} | {kb(weight.total)} KB "
                     f"| {kb(transferred)} KB | {lcp_text} dtk |")
    lines += [
        "",
        "\\* termasuk gambar, seperti yang dilihat Lighthouse (gambar di bawah layar pertama dimuat malas).",
        "",
        f"Batas build: HTML+CSS+JS setiap halaman ≤ {PAGE_BUDGET // 1024} KB terkompresi; `kimsite build` memberi",
        f"peringatan yang menyebut halaman yang melewatinya. Dari {len(all_weights)} halaman situs bawaan, yang",
        f"terberat `/{heaviest.page}` {kb(heaviest.total)} KB.",
        "",
        "Pencarian memakai indeks JSON sendiri (`cari/indeks.json`) dan `cari.js` kecil, bukan Pagefind:",
        "di situs ini Pagefind memerlukan ±83 KB terkompresi (pagefind.js 12,8 KB + wasm 70 KB, belum",
        "termasuk potongan indeks) sebelum hasil pertama; indeks sendiri ±11 KB + skrip ±1,3 KB.",
        "",
        "![Beranda portal di layar ponsel](img/beranda-ponsel.png)",
        "![Halaman UMKM di layar ponsel](img/umkm-ponsel.png)",
        "",
    ]
    (REPO / "docs" / "kualitas.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def screenshots(base: str, pages: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    folder = REPO / "docs" / "img"
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                has_touch=True)
        for kind, name in (("portal", "beranda-ponsel.png"), ("umkm", "umkm-ponsel.png")):
            page.goto(base + pages[kind], wait_until="networkidle")
            page.screenshot(path=str(folder / name))
        browser.close()


if __name__ == "__main__":
    main()
