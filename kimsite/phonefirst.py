"""The build's phone-first step: search index, service worker and the page budgets.

`claim_outputs()` runs with the other output claims (so a site file named `sw.js` is reported like
any duplicate); `finish()` runs after rendering, adds the generated files to `rendered` and checks
the budgets of every page before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from urllib.parse import urlsplit

from kimsite.budgets import Analysis, PageWeight, check_budgets, page_resources, resolve
from kimsite.errors import Report
from kimsite.offline import SW_FILE, build_hash, kill_switch, service_worker
from kimsite.search import INDEX_FILE, Part, index_pieces

GENERATED = (INDEX_FILE, SW_FILE)


def claim_outputs(claims: object, report: Report) -> None:
    for rel in GENERATED:
        claims.claim(rel, "(kimsite)", report)  # type: ignore[attr-defined]


def _url_of(page_file: str) -> str:
    if page_file.endswith("/index.html") or page_file == "index.html":
        return "/" + page_file[: -len("index.html")]
    return "/" + page_file


def finish(model: object, rendered: MutableMapping[str, bytes], copies: Mapping[str, Path], report: Report,
           analyse: Analysis | None = None, digest_of: Callable[[str], str] | None = None,
           make_index: Callable[[str, Callable[[], list[bytes]]], bytes | None] | None = None,
           index_part: Part | None = None, budget_memo: dict | None = None,
           fingerprint: Callable[[str], str | None] | None = None) -> list[PageWeight]:
    """Add `cari/indeks.json` and `sw.js` to `rendered`; check budgets. Returns each page's weight.
    `analyse`, `digest_of` and `make_index(file, make)` (from the build cache) spare reading and
    parsing unchanged pages and rebuilding an unchanged search index; `make` gives the index as pieces
    to be joined, and `make_index` gives None when it has filed them in `rendered` without joining them.
    `index_part` reuses the index's unchanged entries when it must be made again."""
    config = model.config  # type: ignore[attr-defined]

    def make() -> list[bytes]:
        return index_pieces(model, index_part) if index_part is not None else index_pieces(model)

    index = make_index(INDEX_FILE, make) if make_index is not None else b"".join(make())
    if INDEX_FILE not in rendered and index is not None:  # else the build cache has filed it already,
        rendered[INDEX_FILE] = index  # written or kept on disk: not held here too (~45 MB at 100,000 pages)
    del index

    def read(rel: str) -> bytes | None:
        if rel in rendered:
            return rendered[rel]
        source = copies.get(rel)
        return source.read_bytes() if source is not None else None

    pages = _HtmlPages(rendered)
    base_path = config.base_path
    weights = check_budgets(pages, read, urlsplit(config.url).hostname or "",
                            getattr(config, "sumber_luar", False), report, _url_of, base_path, analyse,
                            budget_memo, fingerprint)
    if config.offline:
        home = rendered.get("index.html", b"").decode("utf-8", "replace")
        precache = sorted({target for sheet in page_resources(home).stylesheets
                           if (target := resolve("index.html", sheet, base_path))})
        rendered[SW_FILE] = service_worker(build_hash(rendered, copies, digest_of), precache, config.bahasa).encode()
    else:
        rendered[SW_FILE] = kill_switch().encode()
    return weights


class _HtmlPages(Mapping):  # type: ignore[type-arg]
    """The HTML pages of `rendered`, read only when asked for (outputs may live on disk)."""

    def __init__(self, rendered: Mapping[str, bytes]) -> None:
        self._rendered = rendered
        self._keys = [rel for rel in rendered if rel.endswith(".html")]

    def __getitem__(self, rel: str) -> bytes:
        return self._rendered[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
