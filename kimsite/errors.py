"""Diagnostics: every problem a user can cause, with its file, line, message and fix.

A diagnostic stores a message *key* and its parameters rather than text, so the same build can
report in the site's language (Indonesian by default, English available). The texts live in
`messages.py`; `format_diagnostic` is the one formatter (`content/x.md:12: pesan`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kimsite.messages import render_message

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where it is (site-relative POSIX path, 1-based line; 0 = whole file) and what."""

    path: str
    line: int
    key: str
    params: tuple[tuple[str, Any], ...] = ()
    level: Level = "error"
    column: int = 0

    def text(self, lang: str = "id") -> str:
        return render_message(self.key, dict(self.params), lang)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.key)


def make(path: str, line: int, key: str, level: Level = "error", column: int = 0, /, **params: Any) -> Diagnostic:
    return Diagnostic(path, line, key, tuple(sorted(params.items())), level, column)


def format_diagnostic(diag: Diagnostic, lang: str = "id") -> str:
    location = diag.path
    if diag.line:
        location += f":{diag.line}"
        if diag.column:
            location += f":{diag.column}"
    prefix = {"id": "peringatan", "en": "warning"}[lang] + ": " if diag.level == "warning" else ""
    return f"{location}: {prefix}{diag.text(lang)}"


@dataclass
class Report:
    """Collects diagnostics of one build; nothing stops at the first error."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def error(self, path: str, line: int, key: str, /, **params: Any) -> None:
        self.items.append(make(path, line, key, "error", 0, **params))

    def warning(self, path: str, line: int, key: str, /, **params: Any) -> None:
        self.items.append(make(path, line, key, "warning", 0, **params))

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted({d for d in self.items if d.level == "error"}, key=Diagnostic.sort_key)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted({d for d in self.items if d.level == "warning"}, key=Diagnostic.sort_key)

    def has_errors(self) -> bool:
        return any(d.level == "error" for d in self.items)


class KimsiteError(Exception):
    """A build stopped by content or configuration problems; `diagnostics` holds them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic], lang: str = "id") -> None:
        self.diagnostics = sorted(set(diagnostics), key=Diagnostic.sort_key)
        self.lang = lang
        super().__init__("\n".join(format_diagnostic(d, lang) for d in self.diagnostics))


class UsageError(Exception):
    """A problem with how kimsite was called (exit code 2), not with the content."""

    def __init__(self, key: str, lang: str = "id", /, **params: Any) -> None:
        self.key = key
        self.params: Mapping[str, Any] = params
        self.lang = lang
        super().__init__(render_message(key, dict(params), lang))
