"""The build's progress bar: on a terminal only, and only once a build has run for ~2 seconds.

`ProgressBar` is the `ticker(phase, done, total)` that `build()` calls from its per-page phases; it
draws one line on stderr (`sumber 4.000/10.000 ▕████░░░░░░▏`) and clears it when the build ends, so
CI logs and `-q` stay quiet and the summary line is all that remains.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

PHASE_WORDS = {"id": {"sumber": "membaca", "halaman": "halaman"}, "en": {"sumber": "reading", "halaman": "pages"}}
DELAY_SECONDS = 2.0
WIDTH = 24


def thousands(value: int, lang: str = "id") -> str:
    return f"{value:,}".replace(",", "." if lang == "id" else ",")


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, lang: str = "id",
                 delay: float = DELAY_SECONDS) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.lang = lang
        self.started = time.monotonic()
        self.delay = delay
        self.drawn = False
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = WIDTH * done // total
        word = PHASE_WORDS.get(self.lang, PHASE_WORDS["id"]).get(phase, phase)
        line = (f"\r  {word} {thousands(done, self.lang)}/{thousands(total, self.lang)} "
                f"▕{'█' * filled}{'░' * (WIDTH - filled)}▏")
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
