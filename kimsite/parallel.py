"""Running the per-page work of a build on every core: parse + Markdown, and template rendering.

Workers are forked (`multiprocessing` "fork" context) *after* the parent has prepared the state they
need (sources, link tables, the site model, the output writer), so nothing is sent to them but
lists of indexes, in chunks; they send back only what the parent must collect. Results come back in
submission order, so the output is the same whatever the number of workers. Small jobs, `-j1`, a
platform without fork, or a parent with other threads running (the preview server) stay in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

MIN_PARALLEL_ITEMS = 200  # below this, starting workers costs more than it saves
# A fork costs ~30 ms per GB of the parent (its page tables are copied, then torn down at exit), and the
# parent grows with the site: replacing workers every few chunks forked ~530 times at 100,000 pages
# (~30 s). Each worker slot is forked at most this many times per phase; at 10,000 pages it never binds.
MAX_FORKS_PER_SLOT = 20
Ticker = Callable[[str, int, int], None]  # (phase, done, total)

_WORK: Callable[[int], Any] | None = None  # set in the parent before forking; inherited by workers


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def forks(count: int, jobs: int, min_items: int | None = None) -> bool:
    """Whether `stream` runs `count` items on forked workers (else in this process)."""
    threshold = MIN_PARALLEL_ITEMS if min_items is None else min_items
    return jobs > 1 and count >= threshold and _can_fork()


def _start_worker() -> None:
    """Everything inherited from the parent (which goes on collecting results while workers fork) is
    moved out of the collector's sight, so a worker never walks, and thereby copies, the parent's
    objects; then the collector runs again for the worker's own (the parent may have paused it)."""
    gc.freeze()
    gc.enable()


def _run_chunk(chunk: Sequence[int]) -> list[Any]:
    assert _WORK is not None
    return [_WORK(index) for index in chunk]


def stream(work: Callable[[int], Any], count: int, jobs: int, phase: str = "", ticker: Ticker | None = None,
           min_items: int | None = None, chunks_per_worker: int | None = None,
           idle: Callable[[], bool] | None = None) -> Iterator[Any]:
    """`work(i)` for i in range(count), in order, on `jobs` forked workers when it is worth it, each
    result handed over as soon as its chunk is done: the parent collects while the workers go on,
    instead of after the last one. Consume it to the end (or close it) before forking again.
    `chunks_per_worker`: replace a worker by a fresh fork after that many chunks (more when there are so
    many chunks that forking would cost more than it saves: MAX_FORKS_PER_SLOT). A worker that reads
    the site model touches the reference counts of every object it reads, which copies their memory
    pages out of the parent's; left running it ends up with a private copy of half the model (~110 MB
    each at 10,000 pages), a fresh fork starts again from zero."""
    global _WORK
    tick = ticker or (lambda _phase, _done, _total: None)
    if not forks(count, jobs, min_items):
        for index in range(count):
            yield work(index)
            if index % 64 == 63:
                tick(phase, index + 1, count)
        tick(phase, count, count)
        return
    # Chunks: big enough to keep messages few, small enough to balance the load and show progress.
    size = max(8, min(256, count // (jobs * 8) or 1))
    chunks = [range(start, min(count, start + size)) for start in range(0, count, size)]
    workers = min(jobs, len(chunks))
    if chunks_per_worker is not None:
        chunks_per_worker = max(chunks_per_worker, -(-len(chunks) // (workers * MAX_FORKS_PER_SLOT)))
    _WORK = work
    outer_freeze = gc.get_freeze_count() > 0  # the build froze its long-lived objects: it unfreezes them
    gc.collect()
    gc.freeze()  # objects made before the fork stay shared: the collector will not touch them
    try:
        context = multiprocessing.get_context("fork")
        done = 0
        with context.Pool(workers, initializer=_start_worker, maxtasksperchild=chunks_per_worker) as pool:
            results = pool.imap(_run_chunk, chunks)
            busy_here = idle is not None
            while True:
                try:
                    part = results.next(timeout=0) if busy_here else results.next()  # type: ignore[call-arg]
                except multiprocessing.TimeoutError:
                    busy_here = idle()  # type: ignore[misc]
                    continue
                except StopIteration:
                    break
                done += len(part)
                yield from part
                tick(phase, done, count)
    finally:
        if not outer_freeze:
            gc.unfreeze()
        _WORK = None
