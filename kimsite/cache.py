"""What incremental builds remember, and how a rebuild decides what is stale.

The cache lives in `.kimsite-cache/build.cache` in the site folder (git-ignored). It remembers:

- per Markdown source: its file signature and content hash, the parse-context key, and the parsed page
  with its rendered Markdown (plus the link look-ups that rendering made, so a page is rendered again
  when a page or file it links to appears, moves or disappears);
- per output file: the key of its route (URL, template, route data, config, theme words, kimsite code),
  the *facts* it read while rendering (recorded through Jinja's attribute look-ups, calls and template
  loads: "page X", "kelurahan Y's list of UMKM", "template base.html", …), its hash and its file
  signature in the output folder; and the value of every fact.

A rebuild re-renders an output only when its route key changed, one of its facts has another value,
or its file in the output folder is not the one kimsite wrote. Facts are values, not timestamps, so a
full build and an incremental one give the same bytes. The file is checked (magic, format, kimsite and
Python version, CRC-32 of the payload) and anything wrong — or any exception while loading — makes
the build discard it with a note and build everything; a cache is never trusted blindly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import operator
import os
import pickle
import shutil
import sys
import types
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2.runtime import Context
from markupsafe import Markup

from kimsite import __version__
from kimsite.config import SiteConfig
from kimsite.content import (
    BODY_FIELDS,
    PACKED_BODY_FIELDS,
    ImageRef,
    Page,
    body_is_packed,
    pack_body,
    page_state,
    page_with_state,
)
from kimsite.output import MARKER
from kimsite.site import Kecamatan, KelurahanEntry, SiteModel

CACHE_DIR = ".kimsite-cache"
CACHE_FILE = "build.cache"
RECORD_FILE = "nochange.record"  # what a no-change rebuild needs, without loading CACHE_FILE (see `NoChangeRecord`)
MAGIC = b"KIMSITE-CACHE\n"
FORMAT = 12
SITE_METHODS = frozenset({"is_past", "upcoming", "past", "kelurahan_of"})
TIME_FACTS = frozenset({"o:s|now", "*"})  # facts of outputs that read the build's clock itself


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_of_pieces(pieces: Iterable[bytes]) -> str:
    """`digest` of the pieces joined, without joining them."""
    hashing = hashlib.blake2b(digest_size=16)
    for piece in pieces:
        hashing.update(piece)
    return hashing.hexdigest()


def file_digest(path: Path | str) -> str | None:
    """`digest` of a file's bytes, read a block at a time; None if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return digest_of_pieces(iter(functools.partial(handle.read, 1 << 20), b""))
    except OSError:
        return None


def text_digest(*parts: str) -> str:
    return digest("\0".join(parts).encode("utf-8", "surrogatepass"))


Signature = tuple[int, int, int, int]


def file_signature(path: Path | str) -> Signature | None:
    """Size, mtime, ctime and inode: any write (even one that restores the mtime) changes ctime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@functools.cache  # the code this process runs: read once, not the files as they are later edited
def code_key() -> str:
    """kimsite's version and the signature of its own code, so editing kimsite invalidates the cache."""
    parts = [__version__, sys.version, str(FORMAT)]
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        try:
            parts.append(f"{path.name}:{digest(path.read_bytes())}")
        except OSError:
            parts.append(f"{path.name}:unreadable")
    return text_digest(*parts)


# -- stored data --------------------------------------------------------------------------------

@dataclass(slots=True)
class SourceEntry:
    signature: Signature | None
    digest: str  # of the file's bytes
    context: str  # parse-context key (config, region list, build date)
    blob: bytes  # ParsedSource pickled, its page's body left out when `body` holds it (`pack`)
    body: bytes = b""  # the page's body fields compressed; the unpacked page holds this very object


def pack(parsed: ParsedSource) -> tuple[bytes, bytes]:
    """(blob, body) of a `SourceEntry`. The body of a page without an `<img>` is compressed on its own
    and stays compressed in the unpacked page until something reads it (kimsite.content: a packed
    body); the rest, a third of the size, is a plain pickle that loads without decompressing."""
    page = parsed.page
    if page is None or page.shows_image:
        return _packed(parsed), b""
    body = pack_body(page)
    state = {name: value for name, value in page_state(page).items()
             if name not in PACKED_BODY_FIELDS and name != "_packed_body"}
    state["_body_fp"] = body_fingerprint(page)
    light = ParsedSource(page_with_state(page, state), parsed.parse_diagnostics, parsed.markdown,
                         parsed.markdown_diagnostics, parsed.lookups, parsed.meta)
    return pickle.dumps(light, protocol=pickle.HIGHEST_PROTOCOL), body


def _packed(value: Any) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpacked(blob: bytes) -> Any:
    return pickle.loads(zlib.decompress(blob))


def unpack(blob: bytes, body: bytes = b"") -> Any:
    if not body:
        return _unpacked(blob)
    parsed = pickle.loads(blob)
    page_state(parsed.page)["_packed_body"] = body
    return parsed


@dataclass
class ParsedSource:
    """Everything parsing and rendering one Markdown file produced."""

    page: Page | None
    parse_diagnostics: list
    markdown: Any  # the files the body links to (asset → name beside the page); the HTML is on the page
    markdown_diagnostics: list
    lookups: tuple  # ((kind, key, answer), …) made by the link rewriter
    meta: str = ""  # `meta_fingerprint` of the page, made where it was parsed


@dataclass(slots=True)  # one per output file (169,000 at 100,000 pages): no __dict__ each, ~80 bytes less
class OutputEntry:
    key: str  # route key, or the source signature of a copied file, or "" for generated files
    deps: tuple[str, ...]
    digest: str
    signature: Signature | None  # of the file in the output folder
    analysis: bytes | None = None  # HTML pages: kimsite.budgets.analyse() of it, packed (`analyse_page`)


@dataclass
class BuildCache:
    code: str = ""
    out_dir: str = ""
    sources: dict[str, SourceEntry] | LazyTable = field(default_factory=dict)  # LazyTable when loaded
    outputs: dict[str, OutputEntry] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    copy_digests: dict[str, str] = field(default_factory=dict)  # copied file's signature key → content hash
    snapshot: dict | None = None  # inputs signature, clock and summary of the last build (no-change fast path)
    image_checks: dict[str, tuple[Signature, str | None]] = field(default_factory=dict)  # path → (signature, problem)
    # a part of a file made from the whole model (a search index entry) → (the facts it read, its value)
    parts: dict[str, tuple[tuple[str, ...], Any]] = field(default_factory=dict)
    budgets: dict[str, tuple] = field(default_factory=dict)  # page file → its last phone-budget result
    memo: dict[str, Any] = field(default_factory=dict)  # pure filter call → its result (QR codes)


def cache_path(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR / CACHE_FILE


def load(site_dir: Path) -> tuple[BuildCache, str | None]:
    """The cache of `site_dir`, or an empty one and the reason the stored one was discarded."""
    path = cache_path(site_dir)
    if not path.exists():
        return BuildCache(code=code_key()), None
    try:
        cache = _read_checked(path, code_key())
        if not isinstance(cache, BuildCache) or any(f.name not in vars(cache) for f in dataclasses.fields(cache)):
            raise ValueError("isi tidak dikenal (unknown content)")
    except _OtherCode:
        return BuildCache(code=code_key()), None  # kimsite itself changed: silently start afresh
    except Exception as exc:  # noqa: BLE001 - any problem means: do not trust it
        return BuildCache(code=code_key()), f"{type(exc).__name__}: {exc}"[:200]
    if cache.code != code_key():
        return BuildCache(code=code_key()), None
    return cache, None


class _OtherCode(Exception):
    """The cache file was written by other kimsite code: its tables are not even read."""


def _read_checked(path: Path, code: str | None = None) -> Any:
    """The pickled value of a file `_write_checked` wrote; ValueError (or any other) if it is not one.
    `code`: for a cache file, the code key it must have been written with, else `_OtherCode` is raised
    before its tables are read (read whole and then discarded, they left a build after a kimsite upgrade
    ~200 MB bigger at 100,000 pages: the freed memory stays with the process).
    The file is unpickled as it is read, its checksum summed on the way and compared at the end:
    reading it whole first held its bytes (~500 MB at 100,000 pages) beside the objects made of them.
    Nothing unpickled is returned before the checksum holds, so a damaged file is still never used."""
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise ValueError("bukan berkas cache kimsite (not a kimsite cache file)")
        header = handle.readline(200)
        if not header.endswith(b"\n"):
            raise ValueError("bukan berkas cache kimsite (not a kimsite cache file)")
        fmt, version, python, checksum = header[:-1].decode("ascii").split(" ")
        if int(fmt) != FORMAT or version != __version__ or python != _python_tag():
            raise ValueError(f"dari versi lain (from another version: {version}, format {fmt})")
        stream = _SummingReader(handle)
        value = pickle.load(stream)
        if isinstance(value, tuple) and len(value) == 3 and value[0] == _SECTIONS:
            if code is not None and value[2] != code:
                raise _OtherCode
            tables: dict[str, Any] = {}
            names: dict[str, str] = {}  # every fact's name → the one string object kept for it
            for name in value[1]:
                if name in _LAZY_TABLES:
                    lazy = tables[name] = LazyTable()
                    while (chunk := pickle.load(stream)) is not None:
                        lazy.add_chunk(*chunk)
                    continue
                table = tables[name] = {}
                while (chunk := pickle.load(stream)) is not None:
                    if names and name in _SHARED_NAMES_TABLES:
                        _share_fact_names(name, chunk, names)
                    table.update(chunk)
                if name == "facts" and len(table) >= SHARE_NAMES_FROM:  # interned: as `collect` makes them
                    table = tables[name] = {sys.intern(fact): value for fact, value in table.items()}
                    names = {fact: fact for fact in table}
            value = BuildCache(**pickle.load(stream), **tables)
        if stream.read(1):
            raise ValueError("data lebih setelah isinya (trailing data)")
        if _checksum_text(stream.crc) != checksum:
            raise ValueError("isi tidak cocok dengan hash-nya (checksum mismatch)")
    return value


class _SummingReader:
    """A binary file as the unpickler reads it, with the CRC-32 of every byte it has read."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.crc = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.crc = zlib.crc32(data, self.crc)
        return data  # type: ignore[no-any-return]

    def readinto(self, buffer: Any) -> int:
        count = self.handle.readinto(buffer)
        self.crc = zlib.crc32(memoryview(buffer)[:count], self.crc)
        return count  # type: ignore[no-any-return]

    def readline(self, size: int = -1) -> bytes:
        data = self.handle.readline(size)
        self.crc = zlib.crc32(data, self.crc)
        return data  # type: ignore[no-any-return]


def _python_tag() -> str:
    return f"py{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass
class NoChangeRecord:
    """Everything the no-change fast path checks, saved beside the cache in a file of its own: at
    100,000 pages the whole cache is ~430 MB, and loading it only to find nothing changed took
    most of a no-change rebuild's time and ~1.9 GB of memory. It is trusted only while the cache
    file it was saved with is exactly there (`cache_file`: that file's signature) and kimsite's code
    is the same; otherwise the build loads the cache and decides from that, as before."""

    code: str
    cache_file: Signature | None
    out_dir: str
    snapshot: dict
    time_facts: dict[str, str]  # the facts in TIME_FACTS that some output read (what `clock_holds` needs)
    outputs: dict[str, Signature | None]  # every output file → its signature when written


def record_of(cache: BuildCache, cache_file: Signature | None = None) -> NoChangeRecord:
    return NoChangeRecord(cache.code, cache_file, cache.out_dir, cache.snapshot or {},
                          {key: cache.facts[key] for key in TIME_FACTS if key in cache.facts},
                          {rel: entry.signature for rel, entry in cache.outputs.items()})


def load_record(site_dir: Path) -> NoChangeRecord | None:
    """The saved `NoChangeRecord`, or None when there is none to trust (a missing, damaged or stale
    record is never an error: the build then reads the cache itself)."""
    try:
        record = _read_checked(site_dir / CACHE_DIR / RECORD_FILE)
    except Exception:  # noqa: BLE001 - any problem: do not use it
        return None
    if (not isinstance(record, NoChangeRecord) or record.code != code_key()
            or record.cache_file is None or record.cache_file != file_signature(cache_path(site_dir))):
        return None
    return record


def save(site_dir: Path, cache: BuildCache) -> None:
    """Write atomically (temp file + rename), then the no-change record that names the file just
    written; a failure to write the cache never fails the build."""
    with CacheSave(site_dir) as saving:
        saving.finish(cache)


class CacheSave:
    """A cache file written while the build goes on, renamed into place only by `finish`.

    A command-line build writes its sources table while it parses (`stream_table`), each chunk as soon
    as it is full: only this save needs those entries again (~1.5 KB a page besides the body each
    shares with its page). Held until parsing ended, they took ~150 MB at 100,000 pages, and freeing
    them left that much in holes between the bodies the pages keep, which the process never gave back.
    The rest follows at the end. Leaving the `with` block without `finish` (a failed build, Ctrl-C)
    removes the temp file, so the previous cache stays. Writing is best effort: after an OSError
    nothing more is written and the old cache is kept; only the save is lost (a table given whole
    to `write_table` is still in memory)."""

    def __init__(self, site_dir: Path) -> None:
        self.folder = site_dir / CACHE_DIR
        self.path = self.folder / CACHE_FILE
        self._tmp = self.path.with_name(f"{CACHE_FILE}.tmp-{os.getpid()}")
        self._handle: Any = None
        self._summing: _SummingWriter | None = None
        self.failed = False
        self.written: list[str] = []  # big tables already in the file, in `_BIG_TABLES` order

    def __enter__(self) -> CacheSave:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            with contextlib.suppress(OSError):
                self._tmp.unlink()

    def _open(self) -> bool:
        if self._handle is not None or self.failed:
            return not self.failed
        try:
            self.folder.mkdir(exist_ok=True)
            _remove_orphans(self.folder)
            self._handle = open(self._tmp, "wb")  # noqa: SIM115 - closed by finish or __exit__
            self._summing = _start_checked(self._handle)
            self._dump((_SECTIONS, _BIG_TABLES, code_key()))
        except OSError:
            self.failed = True
        return not self.failed

    def _dump(self, part: Any) -> None:
        _dump_paused(part, self._summing)

    def _write(self, part: Any) -> bool:
        """`part` appended to the file; False (and nothing more written) once a write failed."""
        if not self._open():
            return False
        try:
            self._dump(part)
        except OSError:
            self.failed = True
            return False
        return True

    def write_table(self, name: str, table: dict[str, Any]) -> bool:
        """Write one big table now, in chunks (see `_CHUNK`); True if it is in the file."""
        stream = self.stream_table(name)
        for key, value in table.items():
            stream.put(key, value)
        return stream.close()

    def stream_table(self, name: str) -> TableStream:
        """Write one big table entry by entry, as they come; the same bytes as `write_table`."""
        assert name == _BIG_TABLES[len(self.written)], "big tables are written in _BIG_TABLES order"
        return TableStream(self, name)

    def finish(self, cache: BuildCache) -> None:
        """The tables not written yet, then the small fields; rename over the old file; then the
        no-change record that names it."""
        fields = vars(cache)
        for name in _BIG_TABLES[len(self.written):]:
            if not self.write_table(name, fields[name]):
                return
        if not self._open():
            return
        try:
            self._dump({name: item for name, item in fields.items() if name not in _BIG_TABLES})
            _end_checked(self._handle, self._summing)  # type: ignore[arg-type]
            self._handle.close()
            self._handle = None
            with contextlib.suppress(FileNotFoundError):  # never left naming an older cache file
                (self.folder / RECORD_FILE).unlink()
            os.replace(self._tmp, self.path)
            if cache.snapshot:
                _write_checked(self.folder / RECORD_FILE, record_of(cache, file_signature(self.path)))
        except OSError:
            self.failed = True


class TableStream:
    """One big table of a `CacheSave`, written a chunk of `_CHUNK` entries at a time."""

    def __init__(self, save: CacheSave, name: str) -> None:
        self.save = save
        self.name = name
        self.chunk: dict[str, Any] = {}

    def put(self, key: str, value: Any) -> None:
        self.chunk[key] = value
        if len(self.chunk) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.chunk:
            if self.name in _LAZY_TABLES:
                self.save._write((tuple(self.chunk), _dumps_paused(self.chunk)))
            else:
                self.save._write(self.chunk)
        self.chunk = {}

    def close(self) -> bool:
        """End the table; True if all of it is in the file."""
        self._flush()
        if not self.save._write(None):
            return False
        self.save.written.append(self.name)
        return True


def _remove_orphans(folder: Path) -> None:
    """Temp files of builds that were killed (`CACHE_FILE.tmp-PID` whose process is gone): a build
    writes its cache file from the end of parsing on, and one killed meanwhile (out of memory, a
    closed terminal) would otherwise leave a file as big as the cache (~500 MB at 100,000 pages)."""
    for path in folder.glob(f"{CACHE_FILE}.tmp-*"):
        pid = path.name.rsplit("-", 1)[1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # another build of this site is writing it
        except ProcessLookupError:
            pass
        except OSError:
            continue  # a process we may not signal: it exists
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # Pickling makes a small tuple per object it reduces, and at 100,000 pages the collector
    # then walks the whole build's heap again and again: 6.7 → 3.5 s of the save with it paused.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _dump_paused(value: Any, stream: Any) -> None:
    with _collector_paused():
        pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)


def _dumps_paused(value: Any) -> bytes:
    with _collector_paused():
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _write_checked(path: Path, value: Any) -> None:
    """One value in a checked file of its own (the no-change record: a signature per output file)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        summing = _start_checked(handle)
        _dump_paused(value, summing)
        _end_checked(handle, summing)
    os.replace(tmp, path)


def _header() -> bytes:
    """The header line up to its checksum, which `_end_checked` fills in (fixed size, 32 characters)."""
    return MAGIC + f"{FORMAT} {__version__} {_python_tag()} ".encode("ascii")


def _start_checked(handle: Any) -> _SummingWriter:
    handle.write(_header() + b"0" * 32 + b"\n")
    return _SummingWriter(handle)


def _end_checked(handle: Any, summing: _SummingWriter) -> None:
    handle.seek(len(_header()))
    handle.write(summing.checksum().encode("ascii"))


_SECTIONS = "kimsite-cache-sections"
# The cache file: the header, then `(_SECTIONS, _BIG_TABLES, code_key())`, then each big table of a BuildCache
# pickled in chunks of `_CHUNK` entries, each chunk a dump of its own, and a None after a table's
# last; the small fields come last, as one dict (so a build can write its sources table early, see
# `CacheSave`). A pickler remembers every object it has written until the end of its dump (so that
# shared objects are written once), 16 bytes each plus the objects it made to reduce them: one dump
# of the whole cache held ~400 MB of that memo at 100,000 pages, one dump per table still 96 MB for
# the outputs table, at the build's peak; a chunk's memo is a few MB. A string shared by entries of
# several chunks (a fact many outputs read) is written once per chunk (and shared again on load, see
# `_SHARED_NAMES_TABLES`).
_BIG_TABLES = ("sources", "facts", "outputs", "parts", "budgets", "memo")
_CHUNK = 10_000
# Tables whose entries name facts (an output's or a search-index part's dependencies). Each chunk is
# pickled on its own, so each loaded chunk had its own copy of every fact name it used: ~97 MB of
# strings at 100,000 pages for ~20 MB of distinct names. Loaded after the facts table, their names
# are swapped for the facts' own (interned, so a build's `collect` makes the very same objects).
# The swap hashes every name read (~0.8 s at 100,000 pages); with fewer facts than SHARE_NAMES_FROM
# (~25,000 pages) the copies cost a few MB and the time is not worth it (~5% of a one-edit rebuild).
_SHARED_NAMES_TABLES = ("outputs", "parts")
SHARE_NAMES_FROM = 50_000


def _share_fact_names(table: str, chunk: dict[str, Any], names: dict[str, str]) -> None:
    lookup = names.get  # `lookup(dep, dep)`: a name that is not a fact's stays as it is
    if table == "outputs":
        for entry in chunk.values():
            entry.deps = tuple(map(lookup, entry.deps, entry.deps))
    else:
        for key, (deps, value) in chunk.items():
            chunk[key] = (tuple(map(lookup, deps, deps)), value)


# Tables whose chunks are stored as `(keys, pickled chunk)` and loaded as a `LazyTable`.
_LAZY_TABLES = ("sources",)


class LazyTable(Mapping):  # type: ignore[type-arg]
    """A loaded cache table whose chunks stay the bytes they were read as until an entry of theirs is
    asked for, then are unpickled a chunk at a time; `pop` lets each entry go once used.

    The sources table: ~215 MB of packed pages at 100,000 pages, each entry needed once, while the
    build parses, to make its page. Unpickled whole at load, its ~100,000 small objects were freed
    only after the pages made from them had taken memory of their own, and an edit rebuild held
    both. A chunk in bytes is one large block that goes straight back to the system when freed.
    The file's checksum covers these bytes like the rest: nothing is read before it holds."""

    def __init__(self) -> None:
        self._chunk_of: dict[str, int] = {}  # key → index of its chunk, in file order
        self._raw: list[bytes | None] = []  # chunks not unpickled yet
        self._open: dict[int, dict[str, Any]] = {}  # unpickled chunks, entries not popped yet

    def add_chunk(self, keys: tuple[str, ...], raw: bytes) -> None:
        index = len(self._raw)
        self._raw.append(raw)
        for key in keys:
            self._chunk_of[key] = index

    def _entries(self, index: int) -> dict[str, Any]:
        entries = self._open.get(index)
        if entries is None:
            raw, self._raw[index] = self._raw[index], None
            entries = self._open[index] = pickle.loads(raw)  # type: ignore[arg-type]
        return entries

    def __getitem__(self, key: str) -> Any:
        return self._entries(self._chunk_of[key])[key]

    def pop(self, key: str, default: Any = None) -> Any:
        index = self._chunk_of.pop(key, None)
        if index is None:
            return default
        entries = self._entries(index)
        value = entries.pop(key, default)
        if not entries:
            del self._open[index]
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._chunk_of))

    def __len__(self) -> int:
        return len(self._chunk_of)


class _SummingWriter:
    """A binary file as the pickler writes it, with the CRC-32 of every byte written (`_SummingReader`)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.crc = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self.handle.write(data)

    def checksum(self) -> str:
        return _checksum_text(self.crc)


def _checksum_text(crc: int) -> str:
    """The header's 32 characters. A CRC-32 finds a damaged or truncated file as surely as a hash
    does, in half the time (~20 vs ~45 ms for a 10,000-page cache, paid by every load and save)."""
    return f"crc32:{crc:08x}".rjust(32, "0")


def remove(site_dir: Path) -> bool:
    folder = site_dir / CACHE_DIR
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
        return True
    return False


# -- recording what a render reads ----------------------------------------------------------------
#
# While a route renders, every attribute read on a page, a kelurahan, a kecamatan or the site model is
# recorded — by templates, filters, theme globals or any Python they call — through a class-level
# `__getattribute__` installed only for the render phase (`recording_hooks()`). What is read is what
# the output depends on; nothing has to be declared, so a new template or helper cannot forget one.

class Recorder:
    """The facts one render read. Module-global while rendering (one render at a time per process)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def deep(self, value: Any, depth: int = 0) -> None:
        """Values handed to Python code: model objects record their own reads; an image's encoded
        variants depend on the image file, which only an `i:` fact follows."""
        if isinstance(value, ImageRef):
            self.keys.add("i:" + value.url)
        elif depth < 4 and isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (ImageRef, list, tuple)):
                    self.deep(item, depth + 1)


_ACTIVE: Recorder | None = None
_KINDS: dict[type, str] = {}
_SOURCE_PATH = operator.attrgetter("source.path")
_BODY_READS = BODY_FIELDS | {"shows_image"}  # decided by the body alone, packed or not
_get = object.__getattribute__


def _kind(cls: type) -> str:
    found = _KINDS.get(cls)
    if found is None:
        if issubclass(cls, Page):
            found = "p"
        elif issubclass(cls, KelurahanEntry):
            found = "e"
        elif issubclass(cls, Kecamatan):
            found = "k"
        elif issubclass(cls, SiteModel):
            found = "s"
        else:
            found = ""
        _KINDS[cls] = found
    return found


def _page_read(self: Any, name: str) -> Any:
    rec = _ACTIVE
    if rec is not None:
        rec.keys.add(("b:" if name in _BODY_READS else "p:") + _get(_get(self, "source"), "path"))
    return _get(self, name)


def _entry_read(self: Any, name: str) -> Any:
    rec = _ACTIVE
    if rec is not None and (name == "__dict__" or not name.startswith("__")):
        kode = _get(self, "kode")
        rec.keys.add("E:" + kode if name == "__dict__" else f"o:e:{kode}|{name}")
    return _get(self, name)


def _kecamatan_read(self: Any, name: str) -> Any:
    rec = _ACTIVE
    if rec is not None and (name == "__dict__" or not name.startswith("__")):
        slug = _get(self, "slug")
        rec.keys.add("K:" + slug if name == "__dict__" else f"o:k:{slug}|{name}")
    return _get(self, name)


def _site_read(self: Any, name: str) -> Any:
    rec = _ACTIVE
    if rec is not None and (name == "__dict__" or not name.startswith("__")):
        rec.keys.add("*" if name == "__dict__" else f"o:s|{name}")
    return _get(self, name)


def _site_method(original: Any, name: str) -> Any:
    """`site.is_past(a)` & co. depend on the build time: record the fact "the answers of is_past for
    every agenda" instead of the exact time, so a rebuild a minute later changes nothing."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        global _ACTIVE
        rec = _ACTIVE
        if rec is None:
            return original(self, *args, **kwargs)
        rec.keys.add("s:" + name)
        _ACTIVE = None
        try:
            return original(self, *args, **kwargs)
        finally:
            _ACTIVE = rec

    wrapper.__name__ = name
    return wrapper


@contextlib.contextmanager
def recording_hooks() -> Iterator[None]:
    """Install the read hooks for the render phase (workers forked inside inherit them)."""
    hooks = {Page: _page_read, KelurahanEntry: _entry_read, Kecamatan: _kecamatan_read, SiteModel: _site_read}
    saved: dict[tuple[type, str], Any] = {}
    for cls, hook in hooks.items():
        saved[(cls, "__getattribute__")] = cls.__dict__.get("__getattribute__")
        cls.__getattribute__ = hook  # type: ignore[method-assign,assignment]
    for name in SITE_METHODS:
        original = SiteModel.__dict__.get(name)
        if original is not None:
            saved[(SiteModel, name)] = original
            setattr(SiteModel, name, _site_method(original, name))
    try:
        yield
    finally:
        for (cls, attr), value in saved.items():
            if value is None:
                delattr(cls, attr)
            else:
                setattr(cls, attr, value)


_PLAIN = (str, int, float, bool, type(None))


def _global_name(context: Context, func: Any) -> str:
    for name, value in context.environment.globals.items():
        if value is func:
            return name
    return ""


def _call_key(obj: Any) -> Any:
    """What Jinja's pass-argument check of `obj` depends on, for plain functions and bound methods
    (their `jinja_pass_arg` is the function's); None for anything else. Built-in functions and methods
    (`current_url.startswith`, a fresh object on every call) cannot carry the attribute: one key for all."""
    cls = type(obj)
    if cls is types.MethodType:
        return obj.__func__
    if cls is types.FunctionType:
        return obj
    if cls is types.BuiltinFunctionType:
        return types.BuiltinFunctionType
    return None


_PLAIN_CALLS: dict[Any, bool] = {}  # function → called as it is (no context, environment or eval context)


class RecordingContext(Context):
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        rec = _ACTIVE
        if rec is not None and (args or kwargs):
            # A global called with plain values is re-asked by the next build (a `g:` fact). Jinja passes
            # `_block_vars`/`_loop_vars` to every call inside a block or loop, so in practice only calls at
            # a template's top level are recorded: `kartu(current_url)` in base.html's `og` block is not,
            # and the share card it names is decided by what that page itself reads (its fields, photos
            # and kelurahan). Recording it too cost the server ~60 ms a save at 10,000 pages (16,840 more
            # facts to value) and changed no output in the tests.
            if (getattr(__obj, "__self__", None) is None and not kwargs
                    and all(isinstance(a, _PLAIN) for a in args)):
                name = _global_name(__self, __obj)
                if name:
                    rec.keys.add("g:" + name + "\0" + "\0".join(f"{type(a).__name__}:{a}" for a in args))
            for arg in args:
                rec.deep(arg)
            for arg in kwargs.values():
                rec.deep(arg)
        # `kwargs` is this call's own dict: the frame variables are taken out, and put back for Jinja
        block_vars = kwargs.pop("_block_vars", None)
        loop_vars = kwargs.pop("_loop_vars", None)
        # ~36 calls a page (url(), abs_url(), ld.…): a function known to take no context is called
        # directly, without Jinja's two attribute probes per call (what `Context.call` does first).
        key = _call_key(__obj)
        if key is not None:
            plain = _PLAIN_CALLS.get(key)
            if plain is None:
                plain = getattr(__obj, "jinja_pass_arg", None) is None
                if len(_PLAIN_CALLS) < 4096:  # functions made per call, if any, are not kept
                    _PLAIN_CALLS[key] = plain
            if plain:
                try:
                    return __obj(*args, **kwargs)
                except StopIteration:
                    return __self.environment.undefined("value was undefined because a callable raised a"
                                                        " StopIteration exception")
        if block_vars is not None:
            kwargs["_block_vars"] = block_vars
        if loop_vars is not None:
            kwargs["_loop_vars"] = loop_vars
        return super().call(__obj, *args, **kwargs)


class RecordingEnvironment(jinja2.Environment):
    """Records the templates each render loads, and what theme globals are asked (see above)."""

    context_class = RecordingContext

    def _load_template(self, name: str, globals: Any) -> Any:  # noqa: A002 - Jinja's signature
        if _ACTIVE is not None and isinstance(name, str):
            _ACTIVE.keys.add("t:" + name)
        return super()._load_template(name, globals)


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process (the preview server compiles each
    template once, not once per rebuild) and, for `kimsite build`, in `.kimsite-cache/jinja/`. Jinja
    itself checks each entry against a checksum of the template's source, so a stale entry is never used."""

    def __init__(self) -> None:
        self.memory: dict[str, bytes] = {}
        self.folder: Path | None = None

    def load_bytecode(self, bucket: Any) -> None:
        data = self.memory.get(bucket.key)
        if data is not None and self.folder is not None and not (self.folder / bucket.key).is_file():
            self._write(bucket.key, data)  # compiled for another site in this process: remember it here too
        if data is None and self.folder is not None:
            with contextlib.suppress(OSError):
                data = (self.folder / bucket.key).read_bytes()
        if data is not None:
            try:
                bucket.bytecode_from_string(data)  # another template source: Jinja leaves the bucket empty
            except Exception:  # noqa: BLE001 - a damaged entry is a miss: the template is compiled again
                bucket.reset()

    def dump_bytecode(self, bucket: Any) -> None:
        data = bucket.bytecode_to_string()
        self.memory[bucket.key] = data
        if self.folder is not None:
            self._write(bucket.key, data)

    def _write(self, key: str, data: bytes) -> None:
        assert self.folder is not None
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            self.folder.mkdir(parents=True, exist_ok=True)
            temp = self.folder / f".{key}.{os.getpid()}.tmp"
            temp.write_bytes(data)
            os.replace(temp, self.folder / key)


TEMPLATE_CODE = TemplateCodeCache()


PURE_FILTERS = frozenset({"qr"})  # deterministic and slow (a QR code takes ~4-25 ms): remembered in the cache

# Results of the pure filters: what the cache remembered (inherited by forked workers, so a lookup is a
# dict access, not a file), and what renders in this process used or made since `take_memo()`.
MEMO: dict[str, Any] = {}
_MEMO_MADE: dict[str, Any] = {}
_MEMO_HIT: set[str] = set()


def watch_filters(env: jinja2.Environment, memo: bool = True) -> None:
    """Filters written in Python may take an image reference and return its encoded variants; the
    pure, slow ones are remembered by their arguments (in MEMO, kept in the build cache)."""
    from jinja2.filters import FILTERS

    for name, func in list(env.filters.items()):
        if FILTERS.get(name) is func:
            continue
        if name in PURE_FILTERS and memo:
            env.filters[name] = _memoized(func, name)
        else:
            env.filters[name] = _watched(func)


def start_memo(remembered: dict[str, Any]) -> None:
    """Before rendering: the filter results the cache remembered, and nothing made or used yet."""
    MEMO.clear()
    MEMO.update(remembered)
    _MEMO_MADE.clear()
    _MEMO_HIT.clear()


def take_memo() -> tuple[dict[str, Any], tuple[str, ...]]:
    """The filter results renders made, and the keys of those they found remembered, since the last
    call (a worker sends them to the parent with its pages)."""
    made, hit = dict(_MEMO_MADE), tuple(_MEMO_HIT)
    _MEMO_MADE.clear()
    _MEMO_HIT.clear()
    return made, hit


def remember_memo(store: BuildCache, made: dict[str, Any], used: set[str], complete: bool) -> None:
    """Keep what renders made; after a build that rendered every page, only what it used."""
    merged = {**store.memo, **made}
    store.memo = {key: merged[key] for key in sorted(used) if key in merged} if complete else merged


def _memoized(func: Any, name: str) -> Any:
    salt = code_key()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs or not all(isinstance(a, str) for a in args):
            return func(*args, **kwargs)
        key = text_digest(salt, name, *(f"{type(a).__name__}:{a}" for a in args))  # Markup ≠ str
        if key in MEMO:
            _MEMO_HIT.add(key)
            return unpack_result(MEMO[key])
        value = func(*args)
        MEMO[key] = _MEMO_MADE[key] = pack_result(value)
        return value

    return wrapper


# A remembered filter result is kept compressed: the parent collects one per QR code drawn (two per
# UMKM), ~2.4-3.3 KB of SVG each as text and ~0.6-0.9 KB compressed: ~300 MB → ~85 MB at 100,000
# pages, and held until the build ends. A read (a hit) costs one decompression, ~20 µs.
_RESULT_TYPES: dict[bytes, type] = {b"M": Markup, b"S": str}


def pack_result(value: Any) -> Any:
    """`value` as bytes when it is text (tagged with its type), else as it is."""
    if type(value) in (Markup, str):
        return (b"M" if type(value) is Markup else b"S") + zlib.compress(value.encode("utf-8"))
    return value


def unpack_result(stored: Any) -> Any:
    if isinstance(stored, bytes) and stored[:1] in _RESULT_TYPES:
        return _RESULT_TYPES[stored[:1]](zlib.decompress(stored[1:]).decode("utf-8"))
    return stored


def _watched(func: Any) -> Any:
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rec = _ACTIVE
        if rec is not None:
            for arg in args:
                rec.deep(arg)
        return func(*args, **kwargs)

    return wrapper


def start_recording() -> Recorder:
    global _ACTIVE
    _ACTIVE = Recorder()
    return _ACTIVE


def stop_recording() -> None:
    global _ACTIVE
    _ACTIVE = None


# -- fact values ------------------------------------------------------------------------------------

class Facts:
    """The value of every fact in one build's model (memoised). Same model → same values."""

    def __init__(self, model: SiteModel, page_fps: dict[str, str], template_dirs: list[str], nonce: str,
                 env_globals: dict[str, Any] | None = None, media: Any = None,
                 body_fps: dict[str, str] | None = None) -> None:
        self.model = model
        self.env_globals = env_globals or {}
        self.media = media
        self.page_fps = page_fps  # path → meta_fingerprint ("p:" facts)
        self.body_fps = body_fps if body_fps is not None else {}  # path → body_fingerprint ("b:" facts)
        self.template_dirs = template_dirs
        self.nonce = nonce  # makes values that cannot be fingerprinted differ from every other build
        self.memo: dict[str, str] = {}
        self.entries = {e.kode: e for e in model.kelurahan}
        self.kecamatan = {k.slug: k for k in model.kecamatan}

    def value(self, key: str) -> str:
        found = self.memo.get(key)
        if found is None:
            found = self._compute(key)
            self.memo[key] = found
        return found

    def _compute(self, key: str) -> str:
        kind, _, rest = key.partition(":")
        if kind == "p":
            return self.page_fps.get(rest, "missing")
        if kind == "b":
            return self.body_fps.get(rest, "missing")
        if kind == "t":
            return self._template(rest)
        if kind == "o":
            obj_ref, _, attr = rest.partition("|")
            obj = self._object(obj_ref)
            if obj is None:
                return "missing"
            try:
                value = getattr(obj, attr)
            except Exception:  # noqa: BLE001 - a failing property is a value too
                return "error"
            return _short(self.vfp(value))
        if kind == "E":
            entry = self.entries.get(rest)
            return "missing" if entry is None else _short(self.vfp(entry, deep=True, top=True))
        if kind == "K":
            kec = self.kecamatan.get(rest)
            return "missing" if kec is None else _short(self.vfp(kec, deep=True, top=True))
        if kind == "s":
            return self._site_method(rest)
        if kind == "i":
            plan = getattr(self.media, "plan", None)
            return _short(self.vfp(plan.lookup(rest))) if plan is not None else "none"
        if kind == "g":
            return self._global_call(rest)
        if key == "*":
            return self._everything()
        return "unknown:" + self.nonce

    def _object(self, ref: str) -> Any:
        if ref == "s":
            return self.model
        if ref.startswith("e:"):
            return self.entries.get(ref[2:])
        if ref.startswith("k:"):
            return self.kecamatan.get(ref[2:])
        return None

    def _template(self, name: str) -> str:
        for folder in self.template_dirs:
            path = os.path.join(folder, *name.split("/"))
            if os.path.isfile(path):
                try:
                    with open(path, "rb") as handle:
                        return digest(path.encode() + b"\0" + handle.read())
                except OSError:
                    return "unreadable:" + self.nonce
        return "missing"

    def _global_call(self, spec: str) -> str:
        name, *args = spec.split("\0")
        func = self.env_globals.get(name)
        if func is None or getattr(func, "jinja_pass_arg", None) is not None:
            return "unknown:" + self.nonce
        values: list[Any] = []
        for arg in args:
            type_name, _, text = arg.partition(":")
            if type_name == "str":
                values.append(text)
            elif type_name in ("int", "float"):
                values.append(int(text) if type_name == "int" else float(text))
            elif type_name == "bool":
                values.append(text == "True")
            else:
                values.append(None)
        try:
            return _short(self.vfp(func(*values)))
        except Exception:  # noqa: BLE001
            return "error:" + self.nonce

    def _site_method(self, name: str) -> str:
        model = self.model
        if name in ("is_past", "upcoming", "past"):
            return _short("|".join(f"{a.source.path}={model.is_past(a)}" for a in model.agenda))
        if name == "kelurahan_of":
            return _short(self.vfp(model.by_kelurahan))
        return "unknown:" + self.nonce

    def _everything(self) -> str:
        model = self.model
        parts = [f"{path}={fp}/{self.body_fps.get(path, 'missing')}" for path, fp in sorted(self.page_fps.items())]
        parts.append(self.vfp(model.kecamatan, deep=True))
        for name in ("umkm", "berita", "agenda", "halaman", "categories", "unggulan", "single", "by_kelurahan", "now"):
            parts.append(self.vfp(getattr(model, name, None)))
        parts.append(self._site_method("is_past"))
        return _short("\n".join(parts))

    def vfp(self, value: Any, deep: bool = False, top: bool = False) -> str:
        """A string that changes whenever `value` (as a template could see it) changes."""
        cls = type(value)
        if cls is str:
            return repr(value)
        # the commonest values in route data (pages, kelurahan, lists of pages, the data dict itself) are
        # decided before the isinstance chain; lists and dicts give the same string as the general case
        kind = _KINDS.get(cls)
        if kind is None:
            kind = _kind(cls)
        if kind == "p":
            path = value.source.path
            if not deep:
                return "p:" + path
            return f"p:{path}={self.page_fps.get(path, 'missing')}/{self.body_fps.get(path, 'missing')}"
        if kind == "e" and not top:
            return f"e:{value.kode}" + ("=" + self.vfp(value, deep=True, top=True) if deep else "")
        if kind == "k" and not top:
            return f"k:{value.slug}" + ("=" + self.vfp(value, deep=True, top=True) if deep else "")
        if kind == "s":
            return "site"
        if cls is list and not deep:
            if value and all(_KINDS.get(t) == "p" for t in set(map(type, value))):  # a list of pages
                return "[p:" + ",p:".join(map(_SOURCE_PATH, value)) + "]"
            return "[" + ",".join([self.vfp(v) for v in value]) + "]"
        if cls is dict and not deep:
            return "{" + ",".join(sorted([repr(k) + ":" + self.vfp(v) if type(k) is str else
                                          f"{self.vfp(k)}:{self.vfp(v)}" for k, v in value.items()])) + "}"
        if value is None or isinstance(value, (bool, int, float)):
            return repr(value)
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, (dt.date, dt.datetime, dt.time)):
            return "d" + value.isoformat()
        if isinstance(value, PurePath):
            return "P" + str(value)
        if isinstance(value, SiteConfig):
            return "config"
        if isinstance(value, (list, tuple)):
            return "[" + ",".join(self.vfp(v, deep) for v in value) + "]"
        if isinstance(value, (set, frozenset)):
            return "{" + ",".join(sorted(self.vfp(v, deep) for v in value)) + "}"
        if isinstance(value, dict):
            return "{" + ",".join(sorted(f"{self.vfp(k)}:{self.vfp(v, deep)}" for k, v in value.items())) + "}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner = ",".join(f"{f.name}={self.vfp(getattr(value, f.name), deep)}" for f in dataclasses.fields(value))
            props = ""
            if kind in ("e", "k"):  # properties computed from pages (display_name, kim_count, …)
                props = ",".join(f"{name}={self.vfp(getattr(value, name), deep)}"
                                 for name in _properties(type(value)))
            return f"{type(value).__name__}({inner};{props})"
        bound_self = getattr(value, "__self__", None)
        if bound_self is not None and _kind(type(bound_self)) == "s":
            return "m:" + getattr(value, "__name__", "?")
        if isinstance(value, jinja2.runtime.Undefined):
            return "undefined"
        return "?" + self.nonce


def _properties(cls: type) -> list[str]:
    return sorted(name for name in dir(cls) if isinstance(getattr(cls, name, None), property))


def _short(text: str) -> str:
    return text if len(text) <= 64 else digest(text.encode("utf-8", "surrogatepass"))


def route_key(global_key: str, facts: Facts, url: str, template: str, origin: str, data: dict) -> str:
    return text_digest(global_key, url, template, origin, facts.vfp(data))


def meta_fingerprint(page: Page) -> str:
    """Every field of a page but its body, as templates see them (dataclass reprs of plain values)."""
    values = [getattr(page, f.name) for f in dataclasses.fields(page) if f.name not in BODY_FIELDS]
    return text_digest(type(page).__name__, repr(values))


def body_fingerprint(page: Page) -> str:
    if body_is_packed(page):
        return page_state(page)["_body_fp"]  # type: ignore[no-any-return]  # made from these very fields by `pack`
    return text_digest(page.body_html, page.toc_html, page.body_text, page.body_md)


class PageFingerprints:
    """`body_fingerprint` remembered between the server's builds by the identity of its inputs: a kept
    page's body is the same string object build after build, so hashing it again is wasted."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, str, str, str, str]] = {}  # path → (body, toc, text, md, fingerprint)

    def of(self, pages: Iterable[Page]) -> dict[str, str]:
        known = self._known
        fresh: dict[str, tuple[str, str, str, str, str]] = {}
        out: dict[str, str] = {}
        for page in pages:
            path = page.source.path
            if body_is_packed(page):
                out[path] = body_fingerprint(page)  # no hashing, and no unpacking to compare identities
                continue
            hit = known.get(path)
            if (hit is not None and hit[0] is page.body_html and hit[1] is page.toc_html
                    and hit[2] is page.body_text and hit[3] is page.body_md):
                fresh[path] = hit
                out[path] = hit[4]
                continue
            fingerprint = body_fingerprint(page)
            fresh[path] = (page.body_html, page.toc_html, page.body_text, page.body_md, fingerprint)
            out[path] = fingerprint
        self._known = fresh  # holding the strings keeps their identity meaningful
        return out


def changed_facts(old: dict[str, str], facts: Facts) -> set[str]:
    """Keys whose value in this build differs from the stored one."""
    return {key for key, value in old.items() if facts.value(key) != value}


def dirty(entry: OutputEntry | None, key: str, changed: set[str]) -> bool:
    return entry is None or entry.key != key or (bool(changed) and not changed.isdisjoint(entry.deps))


def keys_of(recorded: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(recorded))


# -- the outputs of one build -----------------------------------------------------------------------

class OutputFiles(MutableMapping):  # type: ignore[type-arg]
    """Output file → bytes, without holding every page in memory: a value is bytes, or a file in the
    temp folder (written by this build) or in the output folder (unchanged), read when asked for."""

    def __init__(self, tmp: Path | None = None, out: Path | None = None) -> None:
        self._values: dict[str, bytes | str] = {}
        self.tmp = tmp
        self.out = out

    def __getitem__(self, rel: str) -> bytes:
        value = self._values[rel]
        if isinstance(value, bytes):
            return value
        root = self.tmp if value == "tmp" else self.out
        assert root is not None
        return root.joinpath(*rel.split("/")).read_bytes()

    def __setitem__(self, rel: str, value: bytes) -> None:
        self._values[rel] = value

    def set_file(self, rel: str, where: str) -> None:
        self._values[rel] = where  # "tmp" | "out"

    def __delitem__(self, rel: str) -> None:
        del self._values[rel]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, rel: object) -> bool:
        return rel in self._values

    def held(self) -> dict[str, bytes | str]:
        """The values as stored: bytes, or "tmp"/"out" for a file (for identity tests without reading)."""
        return self._values

    def committed(self) -> None:
        """After the swap or merge every file is in the output folder."""
        self.tmp = self.out


class OutputPlan:
    """Decides which outputs must be made again, writes only changed bytes, and remembers the rest.

    `incremental` is on when the output folder is the one kimsite wrote last time with this cache:
    then an output whose route key and facts are unchanged, and whose file is still the one kimsite
    wrote, is kept as is. `keep_bytes` (the preview server, `kimsite check`) holds every output in
    memory, taking unchanged ones from the previous build's bytes.
    """

    def __init__(self, store: BuildCache, facts: Facts, global_key: str, writer: Any, out_dir: Path | None,
                 keep_bytes: bool, previous: Any = None) -> None:
        self.store = store
        self.facts = facts
        self.global_key = global_key
        self.writer = writer
        self.out_dir = out_dir.absolute() if out_dir is not None else None
        self._out = str(self.out_dir) if self.out_dir is not None else ""
        self.keep_bytes = keep_bytes
        self.previous = previous if previous is not None else {}
        resolved = str(out_dir.resolve()) if out_dir is not None else ""
        if writer is not None:  # the folder must be the one this cache describes, still marked as ours
            self.incremental = bool(store.outputs and store.out_dir == resolved and (out_dir / MARKER).is_file())
        else:
            self.incremental = bool(store.outputs and self.previous)
        self.files = OutputFiles(writer.tmp if writer is not None else None, self.out_dir)
        self.cache_dir: Path | None = None  # the site's .kimsite-cache (compiled templates go in jinja/)
        self.private = False  # the output folder is kimsite's own (the preview server's temp folder)
        self.new_parts: dict[str, tuple[tuple[str, ...], Any]] = {}
        self.parts_complete = False  # the file made of the parts was made again (not reused) in this build
        self.content_addressed = ""  # folder (with a trailing separator) whose files are named by their hash
        self.new: dict[str, OutputEntry] = {}
        self.route_keys: dict[str, str] = {}
        self._changed: set[str] | None = None
        self.written = 0
        self.copy_digests_used: dict[str, str] = {}

    # -- deciding ---------------------------------------------------------------------------------
    def continue_last(self, changed: set[str]) -> None:
        """Start from the last build as it stands (kimsite.quick): every output kept with its bytes, the
        facts in `changed` known to differ; what is made again is then collected over it."""
        self._changed = changed
        self.new = dict(self.store.outputs)
        if isinstance(self.previous, OutputFiles):
            self.files.held().update(self.previous.held())
        self.copy_digests_used = dict(self.store.copy_digests)

    def changed(self) -> set[str]:
        if self._changed is None:
            self._changed = changed_facts(self.store.facts, self.facts) if self.incremental else set()
        return self._changed

    def _intact(self, rel: str, entry: OutputEntry) -> bool:
        if self.writer is None:
            return rel in self.previous
        if self.private:
            return True  # nobody else writes there: what kimsite wrote last time is still there
        assert self.out_dir is not None
        return entry.signature is not None and file_signature(os.path.join(self._out, rel)) == entry.signature

    def _keep(self, rel: str, entry: OutputEntry) -> None:
        self.new[rel] = entry
        if self.keep_bytes:
            held = self.previous.held().get(rel) if isinstance(self.previous, OutputFiles) else None
            self.files[rel] = held if type(held) is bytes else self.previous[rel]
        else:
            self.files.set_file(rel, "out")

    def needs_render(self, rel: str, url: str, template: str, origin: str, data: dict) -> bool:
        key = route_key(self.global_key, self.facts, url, template, origin, data)
        entry = self.store.outputs.get(rel) if self.incremental else None
        if (entry is None or dirty(entry, key, self.changed()) or not self._intact(rel, entry)
                or (self.keep_bytes and rel not in self.previous)):
            self.route_keys[rel] = key  # taken by `collect` when the page comes back
            return True
        self._keep(rel, entry)  # its entry has this very key: not held twice (~25 MB at 100,000 pages)
        return False

    # -- storing (in a worker or in-process) --------------------------------------------------------
    def store_rendered(self, rel: str, data: bytes, keys: Iterable[str]) -> tuple:
        """Write `data` if it differs from what the output folder holds; small result for the parent."""
        hashed = digest(data)
        written = self._put(rel, data, hashed)
        analysis = analyse_page(data) if rel.endswith(".html") else None
        return (rel, hashed, keys_of(keys), written, data if self.keep_bytes else None, analysis)

    def store_pieces(self, rel: str, pieces: list[bytes], keys: Iterable[str]) -> tuple:
        """`store_rendered` for a file given as pieces (not a page: nothing to analyse), never joined."""
        hashed = digest_of_pieces(pieces)
        return (rel, hashed, keys_of(keys), self._put(rel, pieces, hashed), None, None)

    def _put(self, rel: str, data: bytes | list[bytes], hashed: str) -> bool:
        if self.writer is None:
            return False
        entry = self.store.outputs.get(rel) if self.incremental else None
        if entry is not None and entry.digest == hashed and self._intact(rel, entry):
            return False
        if isinstance(data, bytes):
            self.writer.write_bytes(rel, data)
        else:
            self.writer.write_pieces(rel, data)
        return True

    # -- collecting (in the parent) -----------------------------------------------------------------
    def collect(self, result: tuple) -> None:
        rel, hashed, deps, written, data, analysis = result
        # Thousands of outputs name the same facts and resources: one string object each, in memory
        # and (pickle writes a shared object once per chunk) in the cache file.
        deps = tuple(map(sys.intern, deps))
        self.new[rel] = OutputEntry(self.route_keys.pop(rel, ""), deps, hashed, None if written else
                                    self._old_signature(rel), analysis)
        self.written += written
        if data is not None:
            self.files[rel] = data
        else:
            self.files.set_file(rel, "tmp" if written else "out")

    def collected_count(self) -> int:
        return len(self.new)

    def order_collected(self, before: int, order: list[str]) -> None:
        """Put the outputs collected after the first `before` in `order` (the routes' order), so
        results taken as they came leave the same tables as results taken in order."""
        rank = {rel: position for position, rel in enumerate(order)}
        kept = list(self.new.items())
        late = sorted(kept[before:], key=lambda item: rank.get(item[0], len(rank)))
        self.new = dict(kept[:before] + late)
        held = self.files.held()
        files = sorted(held.items(), key=lambda item: rank.get(item[0], -1))  # stable: others keep their order
        held.clear()
        held.update(files)

    def _old_signature(self, rel: str) -> Signature | None:
        entry = self.store.outputs.get(rel) if self.incremental else None
        return entry.signature if entry is not None else None

    def reuse_or_make(self, rel: str, make: Callable[[], list[bytes]]) -> bytes | None:
        """A file computed from the whole model in this process (the search index): made again only
        when something it read changed, with its reads recorded like a page render. `make` gives the
        file as pieces to be joined. A build that writes to disk writes them one after the other and
        returns None: the file is filed in `files` without its bytes ever being held in one object."""
        key = "made:" + self.global_key
        self.route_keys[rel] = key
        entry = self.store.outputs.get(rel) if self.incremental else None
        if entry is not None and not dirty(entry, key, self.changed()) and self._intact(rel, entry):
            if self.keep_bytes:
                data = self.previous[rel] if rel in self.previous else None
                same = data is not None and digest(data) == entry.digest
            else:
                assert self.out_dir is not None
                data = None
                same = file_digest(self.out_dir.joinpath(*rel.split("/"))) == entry.digest
            if same:
                self._keep(rel, entry)
                return data
        with recording_hooks():
            recorder = start_recording()
            try:
                pieces = make()
            finally:
                stop_recording()
        self.parts_complete = True  # every part of the file went through reuse_part
        if self.writer is not None and not self.keep_bytes:
            self.collect(self.store_pieces(rel, pieces, recorder.keys))
            return None
        data = b"".join(pieces)
        del pieces
        self.collect(self.store_rendered(rel, data, recorder.keys))
        return data

    def reuse_part(self, key: str, make: Callable[[], Any]) -> Any:
        """One part of a file made from the whole model (an entry of the search index): reused while
        every fact it read is unchanged, else made again with its reads recorded. Either way its facts
        count as read by the file being made. A part already made in this build (by the worker that
        rendered its page, `part_here`) is taken as it is."""
        global _ACTIVE
        outer = _ACTIVE
        key = f"{self.global_key}|{key}"  # another config, theme or kimsite: every part is made again
        made = self.new_parts.get(key)
        old = self.store.parts.get(key) if self.incremental and made is None else None
        changed = self.changed()
        if made is not None:
            deps, value = made
        elif old is not None and (not changed or changed.isdisjoint(old[0])):
            value = old[1]
            self.new_parts[key] = old
            deps = old[0]
        else:
            part = Recorder()
            _ACTIVE = part
            try:
                value = make()
            finally:
                _ACTIVE = outer
            deps = tuple(map(sys.intern, keys_of(part.keys)))
            self.new_parts[key] = (deps, value)
        if outer is not None:
            outer.keys.update(deps)
        return value

    def part_here(self, key: str, make: Callable[[], Any]) -> tuple[str, tuple[str, ...], Any]:
        """`reuse_part` for one part, done where its page is rendered (a worker), outside that page's
        own recording; the parent files the result with `file_part`, so making the search index
        costs it a join instead of a pass over every page."""
        global _ACTIVE
        outer = _ACTIVE
        _ACTIVE = None
        try:
            self.reuse_part(key, make)
        finally:
            _ACTIVE = outer
        full = f"{self.global_key}|{key}"
        deps, value = self.new_parts.pop(full)
        return full, deps, value

    def file_part(self, full: str, deps: tuple[str, ...], value: Any) -> None:
        self.new_parts[full] = (tuple(map(sys.intern, deps)), value)  # the same strings as `collect`'s

    def put_bytes(self, rel: str, data: bytes) -> None:
        """A file made in the parent (feeds, sitemap, search index, …)."""
        self.collect(self.store_rendered(rel, data, ()))

    def put_copy(self, rel: str, source: Path) -> None:
        key = self.copy_key(source)
        entry = self.store.outputs.get(rel) if self.incremental else None
        if entry is not None and entry.key == key and self._intact(rel, entry):
            self.new[rel] = entry
            return
        if self.writer is not None:
            self.writer.copy_file(rel, source)
            self.written += 1
        self.new[rel] = OutputEntry(key, (), self.copy_digest(source), None)

    def copy_key(self, source: Path) -> str:
        name = str(source)
        if self.content_addressed and name.startswith(self.content_addressed):
            return "copy:" + name  # named by its own content hash: the name is the version, no stat needed
        return "copy:" + name + ":" + repr(file_signature(source))

    def copy_digest(self, source: Path) -> str:
        """Content hash of a copied file, read once per version of the file (keyed by its signature)."""
        key = self.copy_key(source)
        found = self.store.copy_digests.get(key)
        if found is None:
            try:
                hasher = hashlib.blake2b(digest_size=16)
                with open(source, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        hasher.update(block)
                found = hasher.hexdigest()
            except OSError:
                found = "unreadable"
            self.store.copy_digests[key] = found
        self.copy_digests_used[key] = found
        return found

    # -- what the phone-first step needs without reading every page ---------------------------------
    def fingerprint(self, rel: str) -> str | None:
        """The content hash of an output this build made or kept."""
        entry = self.new.get(rel)
        return entry.digest if entry is not None and entry.digest else None

    def analysis_of(self, rel: str) -> Any:
        entry = self.new.get(rel)
        return _unpacked(entry.analysis) if entry is not None and entry.analysis is not None else None

    def digest_of(self, rel: str, copies: dict[str, Path]) -> str:
        entry = self.new.get(rel)
        if entry is not None and entry.digest:
            return entry.digest
        if rel in copies:
            return self.copy_digest(copies[rel])
        return digest(self.files[rel])

    # -- finishing ----------------------------------------------------------------------------------
    def commit(self) -> None:
        """Swap in (first build) or merge (incremental) the temp folder; then note every signature."""
        if self.writer is None:
            return
        assert self.out_dir is not None
        if self.incremental:
            self.writer.commit_changes(set(self.new), set(self.store.outputs) if self.private else None)
        else:
            self.writer.commit()
        self.files.committed()
        for rel, entry in self.new.items():
            if entry.signature is None:
                entry.signature = file_signature(os.path.join(self._out, rel))

    def remember(self) -> None:
        """Store this build's outputs and the value of every fact they read."""
        if self.writer is None and not self.keep_bytes:
            return
        keys: set[str] = set()
        for entry in self.new.values():
            keys.update(entry.deps)
        self.store.outputs = self.new
        self.store.facts = {key: self.facts.value(key) for key in keys}
        if self.parts_complete or not self.incremental:
            self.store.parts = self.new_parts
        elif self.new_parts:  # the file they make was reused; the parts its pages' workers made are fresh
            self.store.parts = {**self.store.parts, **self.new_parts}
        self.store.copy_digests = self.copy_digests_used
        self.store.out_dir = str(self.out_dir.resolve()) if self.out_dir is not None else ""



def analyse_page(data: bytes) -> bytes:
    """What the phone budgets need from an HTML page, computed where it is rendered (in a worker) and
    packed: only the pages whose budget result is not replayed (kimsite.budgets: `memo`) are ever
    asked for it, and held as objects it was ~0.7 KB an output in the parent and in the cache file,
    a third of each output's entry (packed: ~0.2 KB, and a table that loads and saves twice as fast)."""
    from kimsite.budgets import analyse

    return _packed(analyse(data))
