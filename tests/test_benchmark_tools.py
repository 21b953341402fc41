"""The benchmark's own measuring tools (benchmarks/run.py): a peak that misses processes is a wrong
figure in the README, so the process-tree sampler is tested like the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import run as bench  # noqa: E402

# A parent that forks one child from a second thread that stays alive (as a process pool's handler
# thread forks its replacement workers; a child outlives its thread only by moving to another), and
# a child that makes ~40 MB of its own memory; all then wait to be killed.
FORK_FROM_A_THREAD = """
import os, sys, threading, time
def fork_child():
    if os.fork() == 0:
        ballast = bytearray(40 * 1024 * 1024)
        ballast[::4096] = b"x" * len(ballast[::4096])
        print("child ready", flush=True)
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
threading.Thread(target=fork_child, daemon=True).start()
time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_the_tree_sampler_counts_children_forked_by_any_thread():
    proc = subprocess.Popen([sys.executable, "-c", FORK_FROM_A_THREAD], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "child ready"
        deadline = time.monotonic() + 10
        while not bench._children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = bench._children(proc.pid)
        assert child != proc.pid
        # the child's 40 MB count in the tree's figure, not only the parent's interpreter
        assert bench._tree_pss_kb(proc.pid) - bench._pss_kb(proc.pid) > 35 * 1024
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_timed_run_waits_for_the_disks_to_be_idle(monkeypatch):
    """Discards and writeback left by the previous run would be billed to the next one."""
    readings = iter([(1, 0), (2, 0), (3, 5), (4, 9)])  # busy for the first four readings, then idle
    seen: list[tuple[int, int]] = []

    def activity() -> tuple[int, int]:
        seen.append(next(readings, (4, 9)))
        return seen[-1]

    synced: list[bool] = []
    monkeypatch.setattr(bench, "_disk_activity", activity)
    monkeypatch.setattr(bench.os, "sync", lambda: synced.append(True))
    waited = bench.settle_disk(quiet=0.4, limit=10)
    assert synced == [True]
    assert (4, 9) in seen and len(seen) >= 4 + 2  # every busy reading, then idle for the quiet time
    assert 0.4 <= waited < 10


def test_settling_gives_up_after_its_limit_on_disks_that_never_rest(monkeypatch):
    counter = iter(range(10**9))
    monkeypatch.setattr(bench, "_disk_activity", lambda: (next(counter), 0))
    monkeypatch.setattr(bench.os, "sync", lambda: None)
    assert 0.5 <= bench.settle_disk(quiet=0.4, limit=0.5) < 2
