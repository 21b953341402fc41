"""What `kimsite build` writes: atomic output, duplicate outputs, containment, sanitising, Markdown
links and images, theme overrides, and determinism."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sitetools import build_site, make_site, page, tree_bytes

from kimsite import output
from kimsite.output import UnsafePath, safe_join

REPO = Path(__file__).resolve().parent.parent

UMKM_HEAD = """---
nama: Kopi Pak Darto
kategori: kuliner
kontak:
  whatsapp: "081234567891"
diperbarui: 2026-10-01
foto:
  - src: /logo.png
    alt: Logo
---
"""
BODY = "Kopi tubruk dan kopi susu yang diseduh dengan biji dari lereng Arjuno, setiap hari.\n"


def files(**by_path: str) -> str:
    """A make_site spec from `path=text` pairs (texts with their own unindented lines)."""
    return "".join(f"-- {path} --\n{text}" for path, text in by_path.items())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".kimsite-tmp-" in p.name or ".kimsite-old-" in p.name)


# -- the basic outputs -----------------------------------------------------------------------------

def test_outputs_of_a_small_site(tmp_path):
    site = make_site(tmp_path)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    out = site / "build"
    for rel in ("index.html", "404.html", "sitemap.xml", "robots.txt", "feed.xml", "favicon.ico", "favicon.svg",
                "css/kimsite.css", "kelurahan/index.html", "kim/index.html", "umkm/index.html",
                "umkm/oleh-oleh/index.html", "berita/index.html", "agenda/index.html",
                "kecamatan/blimbing/index.html", "kelurahan/purwantoro/index.html",
                "kelurahan/purwantoro/feed.xml", "kelurahan/purwantoro/umkm/keripik-tempe/index.html",
                "kelurahan/purwantoro/umkm/keripik-tempe/keripik.png", ".kimsite-build"):
        assert (out / rel).is_file(), rel
    html = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert html.html["lang"] == "id"
    assert html.find("link", rel="canonical")["href"] == (
        "https://contoh.github.io/uji/kelurahan/purwantoro/umkm/keripik-tempe/")
    assert html.find("meta", attrs={"name": "description"})["content"].startswith("Keripik Tempe Bu Sri")
    assert html.select_one(".gallery img")["src"] == "keripik.png"
    assert "https://contoh.github.io/uji/sitemap.xml" in (out / "robots.txt").read_text()
    # A kelurahan of the region list without a folder is still listed, as having no microsite yet.
    listing = page(site, "kelurahan/")
    for name in ("Balearjosari", "Kauman", "Buring"):
        row = listing.find(string=lambda text, name=name: text and name in text).find_parent("tr")
        assert row.find("a") is None and "belum punya situs" in row.get_text(), row
    assert listing.find("a", string="Purwantoro") is not None
    # One kelurahan folder: a single microsite, its home is the site's home.
    assert page(site, "/").h1.get_text(strip=True) == "Kelurahan Purwantoro"


def test_site_theme_overrides_one_template_and_one_static_file(tmp_path):
    site = make_site(tmp_path, """
    -- site.yaml --
    nama: Situs Uji
    url: https://contoh.github.io/uji/
    deskripsi: Situs kecil untuk pengujian kimsite.
    tema: milik-kami
    pengelola:
      nama: KIM Uji
      jenis: kim
    -- themes/milik-kami/tema.yaml --
    induk: default
    -- themes/milik-kami/templates/404.html --
    {% extends "base.html" %}
    {% block content %}<h1>Nyasar, Lur!</h1>{% endblock %}
    -- themes/milik-kami/static/css/kimsite.css --
    body { color: teal; }
    -- themes/milik-kami/i18n/id.yaml --
    pesan_wa: Pesan sekarang lewat WA
    """)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    out = site / "build"
    assert "Nyasar, Lur!" in (out / "404.html").read_text()
    assert (out / "css/kimsite.css").read_text() == "body { color: teal; }\n"
    assert (out / "favicon.svg").is_file()  # everything else still comes from the parent theme
    umkm = page(site, "kelurahan/purwantoro/umkm/keripik-tempe/")
    assert umkm.select_one('a[href^="https://wa.me/62"]').get_text(strip=True) == "Pesan sekarang lewat WA"
    assert umkm.find(string="Langsung ke isi") is not None
    assert page(site, "/").h1.get_text(strip=True) == "Kelurahan Purwantoro"


# -- atomic output ---------------------------------------------------------------------------------

def test_a_failed_build_leaves_the_previous_output_byte_identical(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    out = site / "build"
    before = tree_bytes(out)
    (site / "content/kelurahan/purwantoro/umkm/rusak.md").write_text(
        UMKM_HEAD.replace("kuliner", "kulner") + BODY, encoding="utf-8")
    (site / "content/kelurahan/purwantoro/umkm/keripik-tempe.md").write_text("baru\n", encoding="utf-8")
    result = build_site(site)
    assert result.exit_code == 1
    assert "content/kelurahan/purwantoro/umkm/rusak.md:3:" in result.output
    assert tree_bytes(out) == before
    assert leftovers(site) == []


def test_a_build_that_fails_while_writing_leaves_the_previous_output(tmp_path, monkeypatch):
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    out = site / "build"
    before = tree_bytes(out)
    (site / "content/halaman").mkdir(parents=True)
    (site / "content/halaman/tentang.md").write_text("---\njudul: Tentang\n---\nHalaman baru.\n", encoding="utf-8")

    def disk_full(self, *args):
        assert self.tmp is not None and any(self.tmp.rglob("*.html"))  # the new site is half-way out
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.OutputWriter, "commit", disk_full)
    monkeypatch.setattr(output.OutputWriter, "commit_changes", disk_full, raising=False)
    result = build_site(site)
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert tree_bytes(out) == before
    assert leftovers(site) == []


def test_a_successful_rebuild_replaces_the_output_and_drops_stale_files(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site).exit_code == 0
    (site / "content/kelurahan/purwantoro/umkm/keripik-tempe.md").unlink()
    assert build_site(site).exit_code == 0
    assert not (site / "build/kelurahan/purwantoro/umkm/keripik-tempe").exists()
    assert leftovers(site) == []


def test_refuses_to_overwrite_a_folder_kimsite_did_not_make(tmp_path):
    site = make_site(tmp_path)
    out = tmp_path / "dokumen"
    out.mkdir()
    (out / "penting.txt").write_text("jangan dihapus")
    result = build_site(site, "-o", str(out))
    assert result.exit_code == 2
    assert "dokumen" in result.output and "kimsite tidak akan menimpanya" in result.output
    assert tree_bytes(out) == {"penting.txt": b"jangan dihapus"}
    # An empty folder, or one kimsite made, is fine.
    (out / "penting.txt").unlink()
    assert build_site(site, "-o", str(out)).exit_code == 0
    assert build_site(site, "-o", str(out)).exit_code == 0


def test_refuses_an_output_folder_that_is_the_site_or_inside_its_sources(tmp_path):
    site = make_site(tmp_path)
    assert build_site(site, "-o", str(site)).exit_code == 2
    assert build_site(site, "-o", str(site / "content" / "keluaran")).exit_code == 2
    assert not (site / "content" / "keluaran").exists()


# -- duplicate outputs -----------------------------------------------------------------------------

def test_two_sources_with_one_url_are_an_error_naming_both(tmp_path):
    site = make_site(tmp_path, files(**{
        "content/kelurahan/purwantoro/umkm/kopi.md": UMKM_HEAD + BODY,
        "content/kelurahan/purwantoro/umkm/kopi/index.md": UMKM_HEAD + BODY,
        "static/logo.png": "<png>\n",
    }))
    result = build_site(site)
    assert result.exit_code == 1
    line = next(x for x in result.lines() if "kelurahan/purwantoro/umkm/kopi/index.html" in x)
    assert "content/kelurahan/purwantoro/umkm/kopi" in line
    assert "content/kelurahan/purwantoro/umkm/kopi.md" in line and "kopi/index.md" in line


def test_two_berita_with_the_same_slug_on_different_dates_collide(tmp_path):
    berita = "---\njudul: Rapat\ntanggal: {d}\npenulis: Admin\n---\nIsi rapat.\n"
    site = make_site(tmp_path, files(**{
        "content/kelurahan/purwantoro/berita/2026-01-05-rapat.md": berita.format(d="2026-01-05"),
        "content/kelurahan/purwantoro/berita/2026-02-05-rapat.md": berita.format(d="2026-02-05"),
    }))
    result = build_site(site)
    assert result.exit_code == 1
    assert "2026-02-05-rapat.md" in result.output and "2026-01-05-rapat.md" in result.output
    assert "kelurahan/purwantoro/berita/rapat/index.html" in result.output


def test_static_files_differing_only_in_case_collide(tmp_path):
    site = make_site(tmp_path, """
    -- static/Kopi.png --
    <png>
    -- static/kopi.png --
    <png>
    """)
    result = build_site(site)
    assert result.exit_code == 1
    assert "static/Kopi.png" in result.output and "static/kopi.png" in result.output


def test_one_page_naming_two_images_that_differ_only_in_case(tmp_path):
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/umkm/keripik-tempe.md --
    ---
    nama: Keripik Tempe Bu Sri
    kategori: oleh-oleh
    kontak:
      whatsapp: "0812-3456-7890"
    diperbarui: 2026-10-01
    foto:
      - src: Kopi.png
        alt: Kopi besar
      - src: kopi.png
        alt: Kopi kecil
    ---
    Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.
    -- content/kelurahan/purwantoro/umkm/Kopi.png --
    <png>
    -- content/kelurahan/purwantoro/umkm/kopi.png --
    <png>
    """)
    result = build_site(site)
    assert result.exit_code == 1
    line = next(x for x in result.lines() if "kopi.png" in x.lower() and x.startswith("content/"))
    assert line.startswith("content/kelurahan/purwantoro/umkm/keripik-tempe.md:10: ")
    assert "Kopi.png" in line and "kopi.png" in line


def test_static_files_differing_only_in_unicode_normalisation_collide(tmp_path):
    nfc, nfd = "caf\u00e9.txt", "cafe\u0301.txt"
    site = make_site(tmp_path)
    (site / "static").mkdir()
    (site / "static" / nfc).write_text("a")
    (site / "static" / nfd).write_text("b")
    if len(os.listdir(site / "static")) < 2:
        pytest.skip("this file system normalises names itself")
    result = build_site(site)
    assert result.exit_code == 1
    assert f"static/{nfc}" in result.output and f"static/{nfd}" in result.output


@pytest.mark.parametrize("name", ["umkm", "berita", "kelurahan", "kim", "agenda", "cari", "statistik"])
def test_a_portal_page_may_not_take_a_generated_url(tmp_path, name):
    site = make_site(tmp_path, f"""
    -- content/halaman/{name}.md --
    ---
    judul: Halaman {name}
    ---
    Isi.
    """)
    result = build_site(site)
    assert result.exit_code == 1
    line = next(x for x in result.lines() if x.startswith(f"content/halaman/{name}.md: "))
    assert f"`{name}/index.html`" in line and "kimsite sendiri" in line and "ganti nama berkas ini" in line


def test_a_static_file_may_not_replace_a_generated_file(tmp_path):
    site = make_site(tmp_path, """
    -- static/robots.txt --
    User-agent: *
    -- static/umkm/index.html --
    <p>lama</p>
    """)
    result = build_site(site)
    assert result.exit_code == 1
    assert "static/robots.txt" in result.output
    assert "static/umkm/index.html" in result.output


# -- containment -----------------------------------------------------------------------------------

@pytest.mark.parametrize("relative", [
    "../luar.html", "a/../../luar.html", "/etc/passwd", "a\x00b.html", "", "a//b.html", "a\\..\\b", "C:/x",
    "a/..",
])
def test_safe_join_refuses_paths_that_leave_the_output(tmp_path, relative):
    with pytest.raises(UnsafePath):
        safe_join(tmp_path, relative)


def test_safe_join_refuses_a_symlink_that_points_out(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    outside = tmp_path / "luar"
    outside.mkdir()
    (root / "tautan").symlink_to(outside)
    (root / "berkas.html").symlink_to(outside / "x.html")
    with pytest.raises(UnsafePath):
        safe_join(root, "tautan/index.html")
    with pytest.raises(UnsafePath):
        safe_join(root, "berkas.html")
    assert safe_join(root, "a/b/index.html") == root / "a" / "b" / "index.html"


@pytest.mark.parametrize("relative", ["../luar.html", "a/../../luar.html", "/etc/passwd", "a\x00b.html", "",
                                      "a//b.html"])
def test_the_writer_refuses_paths_that_leave_its_temp_folder(tmp_path, relative):
    from kimsite.output import OutputWriter

    writer = OutputWriter(tmp_path / "out")
    writer.begin()
    with pytest.raises(UnsafePath):
        writer.write_bytes(relative, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [writer.tmp.name]  # nothing beside it
    writer.abort()


def test_the_writer_never_writes_through_a_symlink_planted_in_its_temp_folder(tmp_path):
    """The writer checks folders it did not make itself with lstat instead of resolving every file's
    path; a symlink (to a folder or a file) planted in its temp folder is refused, never followed."""
    from kimsite.output import OutputWriter

    outside = tmp_path / "luar"
    outside.mkdir()
    writer = OutputWriter(tmp_path / "out")
    writer.begin()
    (writer.tmp / "tautan").symlink_to(outside)
    (writer.tmp / "a").mkdir()
    (writer.tmp / "a" / "berkas.html").symlink_to(outside / "x.html")
    with pytest.raises(UnsafePath):
        writer.write_bytes("tautan/index.html", b"jahat")
    with pytest.raises(FileExistsError):
        writer.write_bytes("a/berkas.html", b"jahat")
    writer.write_bytes("a/b/index.html", b"baik")  # a folder someone else made, checked to be real
    assert list(outside.iterdir()) == []
    assert (writer.tmp / "a" / "b" / "index.html").read_bytes() == b"baik"
    writer.abort()


def test_a_content_symlink_to_outside_the_site_is_an_error(tmp_path):
    site = make_site(tmp_path)
    secret = tmp_path / "rahasia.md"
    secret.write_text("---\njudul: x\n---\nx\n")
    (site / "content/halaman").mkdir(parents=True)
    (site / "content/halaman/bocor.md").symlink_to(secret)
    result = build_site(site)
    assert result.exit_code == 1
    assert "content/halaman/bocor.md: tautan simbolik menunjuk ke luar situs" in result.output


# -- sanitising ------------------------------------------------------------------------------------

def test_raw_html_is_sanitised_with_a_warning_naming_the_file(tmp_path):
    site = make_site(tmp_path, """
    -- content/halaman/tentang.md --
    ---
    judul: Tentang
    ---
    Halo <b>tebal</b>.

    <script>alert("x")</script>

    <img src="x.png" onerror="alert(1)" alt="x">

    <a href="javascript:alert(1)">klik</a> <iframe src="https://contoh.id/"></iframe>

    [md](javascript:alert(2))
    -- content/halaman/x.png --
    <png>
    """)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    warning = next(x for x in result.lines() if "HTML yang tidak aman" in x)
    assert warning.startswith("content/halaman/tentang.md:4: peringatan:")
    for removed in ("<script>", "onerror", "<iframe>", "javascript:"):
        assert removed in warning
    html = (site / "build/tentang/index.html").read_text()
    body = html.split('class="prose">', 1)[1]
    assert "<b>tebal</b>" in body
    for bad in ("<script", "onerror", "javascript:", "<iframe", "alert("):
        assert bad not in body, bad
    assert build_site(site, "--strict").exit_code == 1


@pytest.mark.parametrize("raw", [
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="data:text/html;base64,PHNjcmlwdD4=" alt="x">',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<style>body{display:none}</style>',
    '<form action="https://contoh.id/"><input name="nik"></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<base href="https://jahat.example/">',
    '<meta http-equiv="refresh" content="0; url=https://jahat.example/">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
])
def test_dangerous_html_never_reaches_the_page(tmp_path, raw):
    site = make_site(tmp_path, files(**{"content/halaman/tentang.md": f"---\njudul: Tentang\n---\nHalo.\n\n{raw}\n"}))
    result = build_site(site)
    assert result.exit_code == 0, result.output
    assert any(x.startswith("content/halaman/tentang.md:4: peringatan:") for x in result.lines()), result.output
    body = (site / "build/tentang/index.html").read_text().split('class="prose">', 1)[1].split("</article>")[0]
    for bad in ("javascript", "vbscript", "data:", "<svg", "onload", "<style", "<form", "<object", "<embed",
                "<base", "http-equiv", "jahat.example", "<math"):
        assert bad not in body.lower(), (bad, body)


def test_safe_html_gives_no_warning(tmp_path):
    site = make_site(tmp_path, """
    -- content/halaman/tentang.md --
    ---
    judul: Tentang
    ---
    <details><summary>Lebih</summary>Isi <em>miring</em>.</details>

    | a | b |
    |:-:|--:|
    | 1 | 2 |
    """)
    result = build_site(site, "--strict")
    assert result.exit_code == 0, result.output


# -- Markdown links and images ---------------------------------------------------------------------

def test_links_between_markdown_files_become_page_urls(tmp_path):
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/berita/2026-11-01-bazar.md --
    ---
    judul: Bazar
    tanggal: 2026-11-01
    penulis: Admin KIM
    ---
    Lihat [keripik](../umkm/keripik-tempe.md), [profil](../_index.md#profil),
    [tentang](../../../halaman/tentang.md) dan [bagian](#catatan).

    ## Catatan
    -- content/halaman/tentang.md --
    ---
    judul: Tentang
    ---
    Kembali ke [bazar](../kelurahan/purwantoro/berita/2026-11-01-bazar.md).
    """)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    links = [a["href"] for a in page(site, "kelurahan/purwantoro/berita/bazar/").select(".prose a")]
    assert links == ["../../umkm/keripik-tempe/", "../../#profil", "../../../../tentang/", "#catatan"]
    assert [a["href"] for a in page(site, "tentang/").select(".prose a")] == ["../kelurahan/purwantoro/berita/bazar/"]


def test_a_link_to_a_missing_markdown_file_is_an_error_at_its_line(tmp_path):
    site = make_site(tmp_path, """
    -- content/halaman/tentang.md --
    ---
    judul: Tentang
    ---
    Baris pertama.

    Lihat [keripik](../kelurahan/purwantoro/umkm/keripik.md) ya.
    """)
    result = build_site(site)
    assert result.exit_code == 1
    assert ("content/halaman/tentang.md:6: tautan ke `../kelurahan/purwantoro/umkm/keripik.md` tidak ditemukan"
            in result.output)


def test_a_missing_front_matter_image_is_an_error_at_the_line_of_src(tmp_path):
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/umkm/keripik-tempe.md --
    ---
    nama: Keripik Tempe Bu Sri
    kategori: oleh-oleh
    kontak:
      whatsapp: "0812-3456-7890"
    diperbarui: 2026-10-01
    foto:
      - src: keripik.png
        alt: Keripik tempe dalam kemasan
      - alt: Tampak samping
        src: Keripik-Samping.png
    produk:
      - nama: Keripik
        foto: {src: /tidak-ada.jpg, alt: x}
    ---
    Keripik tempe renyah buatan rumah, digoreng setiap pagi dengan minyak baru.

    ![foto lain](lain.jpg)
    """)
    result = build_site(site)
    assert result.exit_code == 1
    path = "content/kelurahan/purwantoro/umkm/keripik-tempe.md"
    assert f"{path}:11: gambar `Keripik-Samping.png` tidak ditemukan" in result.output
    assert f"{path}:14: gambar `/tidak-ada.jpg` tidak ditemukan" in result.output
    assert f"{path}:18: gambar `lain.jpg` tidak ditemukan" in result.output


def test_images_named_by_the_body_are_copied_beside_the_page(tmp_path):
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/berita/2026-11-01-bazar.md --
    ---
    judul: Bazar
    tanggal: 2026-11-01
    penulis: Admin KIM
    foto_sampul: {src: ../umkm/keripik.png, alt: Keripik}
    ---
    ![suasana](suasana.png) dan ![logo](/logo.png)
    -- content/kelurahan/purwantoro/berita/suasana.png --
    <png>
    -- static/logo.png --
    <png>
    """)
    result = build_site(site)
    assert result.exit_code == 0, result.output
    html = page(site, "kelurahan/purwantoro/berita/bazar/")
    srcs = [img["src"] for img in html.select(".prose img")]
    assert srcs == ["suasana.png", "../../../../logo.png"]
    out = site / "build"
    assert (out / "kelurahan/purwantoro/berita/bazar/suasana.png").is_file()
    cover = html.select_one("img.cover")["src"]
    assert (out / "kelurahan/purwantoro/berita/bazar" / cover).is_file()


# -- determinism -----------------------------------------------------------------------------------

def test_excerpts_and_descriptions_are_the_first_words_of_the_body(tmp_path):
    """A berita without `ringkasan` is shown in lists, in its description and in its structured data
    by the first words of its body as plain text (tags gone, entities decoded), cut at a word."""
    words = " ".join(f"kata{i}" for i in range(80))  # ~560 characters: longer than any excerpt
    site = make_site(tmp_path, files(**{"content/kelurahan/purwantoro/berita/2026-10-02-kerja-bakti.md": f"""---
judul: Kerja bakti
tanggal: 2026-10-02
penulis: KIM Uji
---
Warga **Purwantoro** &amp; [KIM](https://example.org/)
membersihkan saluran. {words}
"""}))
    result = build_site(site)
    assert result.exit_code == 0, result.output
    text = "Warga Purwantoro & KIM membersihkan saluran. " + words

    def cut(limit: int, end: str) -> str:  # Jinja's truncate / the structured data's word cut
        return text[:limit - len(end)].rsplit(" ", 1)[0] + end if end == "..." else \
            text[:limit].rsplit(" ", 1)[0] + end

    item = next(li for li in page(site, "berita/").select("li.news-item") if "Kerja bakti" in li.get_text())
    assert item.select("p")[-1].get_text() == cut(160, "...")
    article = page(site, "kelurahan/purwantoro/berita/kerja-bakti/")
    assert article.select_one('meta[name="description"]')["content"] == cut(155, "...")
    data = [json.loads(s.get_text()) for s in article.select('script[type="application/ld+json"]')]
    described = [d["description"] for d in data if d.get("@type") == "NewsArticle"]
    assert described == [cut(160, "…")]


def test_a_build_from_nothing_equals_a_build_with_warm_caches(tmp_path):
    """No build cache and an empty image cache versus the suite's shared, warm caches: the same bytes,
    so no cache can serve something (a stale share card, an old image variant) a clean CI build would not make."""
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/berita/2026-11-01-bazar.md --
    ---
    judul: Bazar UMKM
    tanggal: 2026-11-01
    penulis: Admin KIM
    foto_sampul: {src: ../umkm/keripik.png, alt: Bazar}
    ---
    Bazar di balai RW.
    """)
    assert build_site(site, "-o", str(tmp_path / "hangat")).exit_code == 0
    assert build_site(site, "-o", str(tmp_path / "hangat")).exit_code == 0  # now served from the caches
    cold = build_site(site, "-o", str(tmp_path / "dingin"), "--no-cache",
                      env={"KIMSITE_CACHE_DIR": str(tmp_path / "cache-kosong")})
    assert cold.exit_code == 0, cold.output
    warm, fresh = tree_bytes(tmp_path / "hangat"), tree_bytes(tmp_path / "dingin")
    assert any(name.endswith(".jpg") for name in fresh)  # images and share cards are part of the comparison
    assert warm.keys() == fresh.keys()
    assert [k for k in warm if warm[k] != fresh[k]] == []


def test_two_builds_into_different_folders_are_byte_identical(tmp_path):
    first, second = tmp_path / "satu", tmp_path / "dua"
    assert build_site(REPO, "-o", str(first)).exit_code == 0
    assert build_site(REPO, "-o", str(second)).exit_code == 0
    a, b = tree_bytes(first), tree_bytes(second)
    assert len(a) > 100
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_files_under_lists_what_os_walk_lists(tmp_path):
    """The incremental commit and the no-change check compare the output with this list."""
    from kimsite.output import files_under

    root = tmp_path / "out"
    (root / "a" / "b").mkdir(parents=True)
    (root / "index.html").write_text("x")
    (root / "a" / "b" / "index.html").write_text("x")
    (root / "a" / ".tersembunyi").write_text("x")
    (root / "kosong").mkdir()
    (tmp_path / "luar").mkdir()
    (tmp_path / "luar" / "rahasia.txt").write_text("x")
    (root / "tautan-folder").symlink_to(tmp_path / "luar")
    (root / "tautan-berkas").symlink_to(tmp_path / "luar" / "rahasia.txt")
    (root / "tautan-putus").symlink_to(tmp_path / "tidak-ada")
    walked = []
    for dirpath, _dirs, names in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        walked += [name if rel == "." else f"{rel}/{name}" for name in names]
    assert sorted(files_under(root)) == sorted(walked)
    assert "tautan-folder" not in files_under(root) and "tautan-berkas" in files_under(root)
