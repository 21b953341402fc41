"""The build's fast paths give exactly what the plain code they shortcut gives.

Each shortcut (pure-string relative links, …) is compared with the straightforward implementation
on generated inputs, including the awkward ones (`.`/`..` segments, empty segments, non-ASCII,
characters that need quoting), so a speed-up can never change a byte of the output.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kimsite.urls import absolute_url, relative_url

SEGMENTS = st.sampled_from(["a", "b", "umkm", "", ".", "..", "x y", "é", "%20", "#f", "?q=1", "a.b", "-", "~",
                            "+", ".hidden", "index.html", "feed.xml"])
URLS = st.builds(lambda parts, absolute, slash: ("/" if absolute else "") + "/".join(parts) + ("/" if slash else ""),
                 st.lists(SEGMENTS, max_size=6), st.booleans(), st.booleans())


def reference_relative_url(from_url: str, to_url: str) -> str:
    """The original implementation: posixpath.relpath, then quote."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    rel = posixpath.relpath(to_url, from_dir)
    if rel == ".":
        rel = "./"
    elif to_url.endswith("/"):
        rel += "/"
    return quote(rel, safe="/#?=&.-_~%+")


def outcome(func, *args):  # noqa: ANN001, ANN201 - a value or the exception type
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@settings(max_examples=3000, deadline=None)
@given(URLS, URLS)
@example("/", "/")
@example("/kelurahan/a/umkm/x/", "/kelurahan/a/umkm/x/")
@example("/a//b/", "//a/b")
@example("/404.html", "/css/kimsite.css")
@example("/a/b/", "/a/b/../c/")
def test_relative_url_matches_relpath(from_url: str, to_url: str) -> None:
    assert outcome(relative_url, from_url, to_url) == outcome(reference_relative_url, from_url, to_url)


@settings(max_examples=500, deadline=None)
@given(URLS)
def test_absolute_url_matches_quote(url: str) -> None:
    base = "https://x.github.io/repo/"
    assert absolute_url(base, url) == base.rstrip("/") + quote(url, safe="/#?=&.-_~%+")
