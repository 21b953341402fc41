"""Unit tests of the internal link checker (kimsite/linkcheck.py): pure function over bytes."""

from kimsite.linkcheck import (
    MISSING_FILE,
    MISSING_FRAGMENT,
    OUTSIDE_BASE,
    OUTSIDE_SITE,
    RELATIVE_IN_404,
    UNSAFE_SCHEME,
    BrokenLink,
    check_links,
    read_tree,
)


def html(body: str) -> bytes:
    return f"<!doctype html><html><head><title>x</title></head><body>{body}</body></html>".encode()


SITE = {
    "index.html": html('<h1 id="atas">Beranda</h1><a name="lama">lama</a>'),
    "umkm/index.html": html('<h2 id="kuliner">Kuliner</h2>'),
    "umkm/keripik/index.html": html('<h2 id="produk">Produk</h2>'),
    "umkm/keripik/foto.png": b"\x89PNG",
    "css/kimsite.css": b"body{}",
    "feed.xml": b"<feed/>",
}


def with_page(path: str, body: str) -> dict[str, bytes]:
    return {**SITE, path: html(body)}


def test_relative_links_to_files_folders_and_fragments_resolve():
    files = with_page("umkm/keripik/index.html", (
        '<a href="../">up</a> <a href="../../">home</a> <a href="./">self</a> <a href="">self</a>'
        '<a href="foto.png">foto</a> <img src="foto.png" srcset="foto.png 1x, ../keripik/foto.png 2x">'
        '<a href="../#kuliner">frag</a> <a href="../../#lama">name anchor</a> <a href="#top">top</a>'
        '<a href="#">hash</a> <a href="../../css/kimsite.css?v=1">css</a> <link href="../../feed.xml">'
        '<a href="../">folder</a> <a href="../../umkm">folder without slash</a> <h2 id="x">x</h2><a href="#x">x</a>'
    ))
    assert check_links(files, "/") == []


def test_missing_file_and_missing_fragment_are_reported_with_page_and_link():
    files = with_page("umkm/index.html", (
        '<a href="keripik/">ok</a> <a href="tempe/">no page</a> <img src="keripik/nope.jpg" alt="">'
        '<a href="keripik/#produk">ok</a> <a href="keripik/#harga">no id</a> <a href="#kuliner">no id here</a>'
    ))
    assert check_links(files, "/") == [
        BrokenLink("umkm/index.html", "#kuliner", MISSING_FRAGMENT),
        BrokenLink("umkm/index.html", "keripik/#harga", MISSING_FRAGMENT),
        BrokenLink("umkm/index.html", "keripik/nope.jpg", MISSING_FILE),
        BrokenLink("umkm/index.html", "tempe/", MISSING_FILE),
    ]


def test_base_path_absolute_links_must_stay_under_it():
    files = with_page("umkm/index.html", (
        '<a href="/repo/umkm/keripik/">ok</a> <a href="/repo/">home</a> <a href="/repo">home no slash</a>'
        '<a href="/umkm/">root-absolute, leaves /repo/</a> <a href="/repo/nope/">missing</a>'
        '<a href="/repository/">similar prefix</a>'
    ))
    assert check_links(files, "/repo/") == [
        BrokenLink("umkm/index.html", "/repo/nope/", MISSING_FILE),
        BrokenLink("umkm/index.html", "/repository/", OUTSIDE_BASE),
        BrokenLink("umkm/index.html", "/umkm/", OUTSIDE_BASE),
    ]
    # The same links with the site at the domain root: `/umkm/` is fine, `/repo/…` are not.
    problems = {(b.link, b.problem) for b in check_links(files, "/")}
    assert ("/umkm/", OUTSIDE_BASE) not in problems
    assert ("/repo/umkm/keripik/", MISSING_FILE) in problems


def test_links_that_climb_above_the_site_root_are_reported():
    files = with_page("umkm/index.html", '<a href="../../umkm/">above root</a> <a href="/repo/../x/">x</a>')
    assert check_links(files, "/repo/") == [
        BrokenLink("umkm/index.html", "../../umkm/", OUTSIDE_SITE),
        BrokenLink("umkm/index.html", "/repo/../x/", OUTSIDE_SITE),
    ]


def test_absolute_urls_are_internal_only_under_the_site_url():
    files = with_page("index.html", (
        '<link rel="canonical" href="https://x.github.io/repo/umkm/">'
        '<a href="https://x.github.io/repo/hilang/">missing</a> <a href="https://wa.me/628123">external</a>'
        '<a href="mailto:a@b.id">mail</a> <a href="tel:+62341">tel</a> <a href="//cdn.example/x.js">proto</a>'
    ))
    assert check_links(files, "/repo/", site_url="https://x.github.io/repo/") == [
        BrokenLink("index.html", "https://x.github.io/repo/hilang/", MISSING_FILE),
    ]
    assert check_links(files, "/repo/") == []  # without site_url, absolute URLs are external


def test_unsafe_schemes_are_reported():
    files = with_page("index.html", '<a href="javascript:alert(1)">x</a> <img src=" data:image/png;base64,AA" alt="">')
    assert [b.problem for b in check_links(files, "/")] == [UNSAFE_SCHEME, UNSAFE_SCHEME]


def test_404_page_must_use_absolute_links_and_meta_refresh_is_checked():
    files = {**SITE,
             "404.html": html('<a href="/repo/">home</a> <a href="umkm/">relative</a>'),
             "lama/index.html": html('<meta http-equiv="refresh" content="0; url=../umkm/"><a href="../umkm/">x</a>'),
             "rusak/index.html": html('<meta http-equiv="refresh" content="0; url=../hilang/">')}
    assert check_links(files, "/repo/") == [
        BrokenLink("404.html", "umkm/", RELATIVE_IN_404),
        BrokenLink("rusak/index.html", "../hilang/", MISSING_FILE),
    ]


def test_percent_encoded_paths_and_fragments_are_decoded():
    files = {**SITE, "kopi susu/index.html": html('<h2 id="harga rp">x</h2>'),
             "index.html": html('<a href="kopi%20susu/#harga%20rp">x</a>')}
    assert check_links(files, "/") == []


def test_read_tree_gives_output_relative_posix_paths(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "index.html").write_bytes(html('<a href="../../c.txt">c</a>'))
    assert check_links(read_tree(tmp_path), "/") == [BrokenLink("a/b/index.html", "../../c.txt", MISSING_FILE)]
    (tmp_path / "c.txt").write_text("c")
    assert sorted(read_tree(tmp_path)) == ["a/b/index.html", "c.txt"]
    assert check_links(read_tree(tmp_path), "/") == []
