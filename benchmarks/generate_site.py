"""Generate a deterministic kimsite site of N Markdown pages (for benchmarks and scale tests).

    .venv/bin/python benchmarks/generate_site.py --pages 10000 --out /tmp/bench-site

The site is a province-style portal: a synthetic `data/wilayah.csv` (one kelurahan folder per ~200
pages, ten kelurahan per kecamatan), and in every kelurahan an `_index.md`, UMKM (about half of the
pages) and berita with ~2 KB Markdown bodies (headings, lists, emphasis, a table, links between
pages). Every UMKM shows one shared photo from `static/`, so the build does image checks without
image work dominating the figures. Same N and seed → byte-identical files.

`hugo_content()` writes the same bodies as a Hugo site, so the benchmark can time both side by side.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WORDS = (
    "warga kelurahan usaha produk pasar kampung pelatihan kemasan keripik tempe batik jamu sambal kopi "
    "pengrajin pesanan pelanggan kegiatan posyandu musyawarah gotong royong bazar promosi harga bahan baku "
    "modal koperasi sertifikat halal izin edar dapur pagi malam minggu bulan tahun ibu bapak pemuda karang "
    "taruna rukun tetangga balai pertemuan laporan dokumentasi informasi masyarakat digital pemasaran daring "
    "toko oleh-oleh wisata budaya kesenian tari topeng lapangan sekolah anak lomba hadiah pengumuman jadwal"
).split()
CATEGORIES = ("kuliner", "oleh-oleh", "fesyen", "kerajinan", "jasa", "kesehatan-kecantikan",
              "pertanian-perikanan", "toko-kelontong", "teknologi", "lainnya")
PAGES_PER_KELURAHAN = 200
KELURAHAN_PER_KECAMATAN = 10

SITE_YAML = """nama: "Portal Uji Kecepatan"
url: "https://contoh.github.io/bench/"
deskripsi: "Situs sintetis untuk mengukur kecepatan kimsite."
kota: "Kota Contoh"
provinsi: "Jawa Timur"
pengelola:
  nama: "KIM Uji"
  jenis: kim
"""


@dataclass(frozen=True)
class Plan:
    """How N pages are split: per kelurahan one `_index.md`, then UMKM and berita alternately."""

    pages: int

    @property
    def kelurahan(self) -> int:
        return max(1, -(-self.pages // PAGES_PER_KELURAHAN))


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


def markdown_body(rng: random.Random, link: str | None = None, size: int = 2000) -> str:
    """About `size` characters of varied Markdown; `link` (a relative .md path) becomes one link."""
    parts: list[str] = [_paragraph(rng, 3)]
    if link:
        parts.append(f"Lihat juga [usaha tetangga]({link}) dan **produk unggulan** kampung kami.")
    parts.append(f"## {_sentence(rng, 4)[:-1]}")
    parts.append(_paragraph(rng, 3))
    parts.append("\n".join(f"- {_sentence(rng, 5)}" for _ in range(4)))
    parts.append(f"### {_sentence(rng, 3)[:-1]}")
    parts.append(f"*{_sentence(rng, 8)}* {_paragraph(rng, 2)}")
    parts.append("| Produk | Harga |\n|---|---:|\n" + "\n".join(
        f"| {rng.choice(WORDS).capitalize()} | Rp{rng.randint(2, 90) * 1000:,} |".replace(",", ".")
        for _ in range(3)))
    text = "\n\n".join(parts)
    while len(text) < size:
        text += "\n\n" + _paragraph(rng, 2)
    return text + "\n"


def _wa(number: int) -> str:
    return f"0812{number % 100_000_000:08d}"


def _kel_slug(index: int) -> str:
    return f"kel-{index + 1:05d}"


def iter_files(pages: int, seed: int = 1) -> Iterator[tuple[str, str | bytes]]:
    """(site-relative path, text or bytes) of every file of the site, in a fixed order."""
    plan = Plan(pages)
    rng = random.Random(seed)
    yield "site.yaml", SITE_YAML
    rows = ["kode,kecamatan,kelurahan"]
    for k in range(plan.kelurahan):
        kec = k // KELURAHAN_PER_KECAMATAN
        rows.append(f"35.{99 - kec // 100:02d}.{kec % 100 + 1:02d}.{1001 + k % 1000},"
                    f"Kecamatan {kec + 1},Kelurahan {k + 1}")
    yield "data/wilayah.csv", "\n".join(rows) + "\n"
    yield "static/img/umkm.png", _png()
    remaining = pages
    for k in range(plan.kelurahan):
        if remaining <= 0:
            break
        kel = _kel_slug(k)
        kec = k // KELURAHAN_PER_KECAMATAN
        kode = f"35.{99 - kec // 100:02d}.{kec % 100 + 1:02d}.{1001 + k % 1000}"
        base = f"content/kelurahan/{kel}"
        yield f"{base}/_index.md", (
            f'---\nkode: "{kode}"\ndeskripsi: "Kelurahan sintetis nomor {k + 1}."\n'
            f'kim:\n  ada: true\n  nama: "KIM Uji {k + 1}"\n---\n' + markdown_body(rng, size=800))
        remaining -= 1
        count = min(PAGES_PER_KELURAHAN - 1, remaining)
        for i in range(count):
            if i % 2 == 0:
                n = i // 2
                link = f"umkm-{n - 1:04d}.md" if n > 0 else None
                yield f"{base}/umkm/umkm-{n:04d}.md", (
                    f'---\nnama: "{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} {k + 1}-{n}"\n'
                    f"kategori: {CATEGORIES[(k + n) % len(CATEGORIES)]}\n"
                    f'kontak:\n  whatsapp: "{_wa(k * 1000 + n + 1_000_000)}"\n'
                    f"diperbarui: 2026-{(n % 10) + 1:02d}-15\n"
                    f"foto:\n  - src: /img/umkm.png\n    alt: Foto produk usaha {n}\n"
                    f"unggulan: {'true' if n % 25 == 0 else 'false'}\n"
                    f"produk:\n  - nama: Paket {n}\n    harga: {(n % 50 + 1) * 1000}\n---\n"
                    + markdown_body(rng, link))
            else:
                n = i // 2
                day = f"2026-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}"
                link = f"../umkm/umkm-{n:04d}.md"
                yield f"{base}/berita/{day}-berita-{n:04d}.md", (
                    f'---\njudul: "{_sentence(rng, 6)[:-1]}"\ntanggal: {day}\npenulis: "Tim KIM Uji"\n'
                    f"kategori: kegiatan\n---\n" + markdown_body(rng, link))
        remaining -= count


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def write_site(out: Path, pages: int, seed: int = 1) -> int:
    """Write the site into `out` (emptied first); returns the number of Markdown pages."""
    if out.exists():
        shutil.rmtree(out)
    count = 0
    for rel, data in iter_files(pages, seed):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
            count += rel.endswith(".md")
    return count


HUGO_CONFIG = """baseURL = "https://contoh.github.io/bench/"
languageCode = "id"
title = "Portal Uji Kecepatan"
disableKinds = ["taxonomy", "term"]
paginate = 12
[markup.goldmark.renderer]
  unsafe = false
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>'
        '<link rel="stylesheet" href="{{ "css/site.css" | relURL }}"></head><body><header><a href="{{ "/" | relURL }}">'
        "{{ site.Title }}</a><nav>{{ range site.Sections }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}"
        "</nav></header><main>{{ block \"main\" . }}{{ end }}</main><footer>{{ site.Title }}</footer></body></html>"),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }}</p>'
        "{{ with .Params.kategori }}<p>{{ . }}</p>{{ end }}{{ .TableOfContents }}{{ .Content }}</article>{{ end }}"),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Paginator.Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary | plainify | truncate 120 }}</li>'
        '{{ end }}</ul>{{ template "_internal/pagination.html" . }}{{ end }}'),
}


def hugo_content(out: Path, pages: int, seed: int = 1) -> None:
    """The same pages and bodies as a Hugo site (front matter reduced to title, date and params)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "hugo.toml").parent.mkdir(parents=True, exist_ok=True)
    (out / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        (out / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / "layouts" / rel).write_text(text, encoding="utf-8")
    (out / "static/css").mkdir(parents=True, exist_ok=True)
    (out / "static/css/site.css").write_text("body{font-family:sans-serif}\n", encoding="utf-8")
    for rel, data in iter_files(pages, seed):
        if not rel.startswith("content/") or not isinstance(data, str):
            continue
        _, front, body = data.split("---\n", 2)
        title = next((line.split(":", 1)[1].strip() for line in front.splitlines()
                      if line.startswith(("nama:", "judul:"))), '"Kelurahan"')
        date = next((line.split(":", 1)[1].strip() for line in front.splitlines()
                     if line.startswith(("tanggal:", "diperbarui:"))), "2026-01-01")
        kategori = next((line.split(":", 1)[1].strip() for line in front.splitlines()
                         if line.startswith("kategori:")), "")
        body = body.replace(".md)", "/)")  # kimsite resolves .md links; Hugo gets plain relative links
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\ntitle: {title}\ndate: {date}\nkategori: \"{kategori}\"\n---\n{body}",
                          encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="number of Markdown pages (default 10000)")
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)create")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hugo", action="store_true", help="write the equivalent Hugo site instead")
    args = parser.parse_args()
    if args.hugo:
        hugo_content(args.out, args.pages, args.seed)
        print(f"Hugo site → {args.out}")
    else:
        count = write_site(args.out, args.pages, args.seed)
        print(f"{count} pages → {args.out}")


if __name__ == "__main__":
    main()
