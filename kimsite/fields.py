"""Typed reading of YAML mappings with line-precise diagnostics.

`Fields` wraps one `YamlMap` of a file and hands out typed values; every wrong value becomes a
diagnostic at the line of its key (never an exception, never a silent default), so one pass over a
file reports all its problems. Unknown keys are reported by `finish()` with a "did you mean".
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from kimsite.errors import Report
from kimsite.yamlread import YamlList, YamlMap

T = TypeVar("T")

_MISSING = object()
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def type_name(value: Any) -> str:
    """The YAML-ish name of a value's type, used in messages (Indonesian words are in messages.py)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "empty"
    return "other"


class Fields:
    """Reader for one mapping: `f.text("nama", required=True)` etc.; call `finish()` at the end."""

    def __init__(self, data: YamlMap, path: str, report: Report, allowed: tuple[str, ...], where: str = ""):
        self.data = data
        self.path = path
        self.report = report
        self.allowed = allowed
        self.where = where  # dotted prefix for nested keys, e.g. "kantor."

    # -- helpers ---------------------------------------------------------------------------------
    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def name(self, key: str) -> str:
        return f"{self.where}{key}"

    def error(self, key: str, msg: str, /, **params: Any) -> None:
        self.report.error(self.path, self.line(key), msg, key=self.name(key), **params)

    def warning(self, key: str, msg: str, /, **params: Any) -> None:
        self.report.warning(self.path, self.line(key), msg, key=self.name(key), **params)

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if key in self.data and required:
                self.error(key, "field.empty")
            elif required:
                self.report.error(self.path, self.data.line, "field.required", key=self.name(key))
            return _MISSING
        return self.data[key]

    def _raw(self, key: str) -> str:
        raw = self.data.raw.get(key)
        return raw[0] if raw else str(self.data.get(key))

    def _wrong_type(self, key: str, expected: str) -> None:
        value = self.data[key]
        raw = self._raw(key)
        if expected == "text" and isinstance(value, (bool, int, float, dt.date)):
            self.error(key, "field.unquoted_text", raw=raw, got=type_name(value))
        else:
            self.error(key, "field.type", expected=expected, got=type_name(value), raw=raw[:60])

    # -- scalars ---------------------------------------------------------------------------------
    def text(self, key: str, required: bool = False, max_len: int | None = None) -> str | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self._wrong_type(key, "text")
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(key, "field.empty")
            return None
        if _CONTROL.search(value):
            self.error(key, "field.control_char")
            return None
        if max_len is not None and len(value) > max_len:
            self.error(key, "field.too_long", max=max_len, length=len(value))
        return value

    def integer(self, key: str, required: bool = False, minimum: int | None = None) -> int | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raw = self._raw(key).strip()
            if isinstance(value, (str, float)) and re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
                self.error(key, "field.int_with_dots", raw=raw)  # 15.000 is 15.0 to YAML, 1.500.000 text
            else:
                self._wrong_type(key, "integer")
            return None
        if minimum is not None and value < minimum:
            self.error(key, "field.min", min=minimum, value=value)
            return None
        return value

    def number(self, key: str, low: float, high: float, required: bool = False) -> float | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong_type(key, "number")
            return None
        if not (low <= value <= high):
            self.error(key, "field.range", low=low, high=high, value=value)
            return None
        return float(value)

    def boolean(self, key: str, default: bool | None = False, required: bool = False) -> bool | None:
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.error(key, "field.bool", raw=self._raw(key)[:60])
            return default
        return value

    def date(self, key: str, required: bool = False) -> dt.date | None:
        """A date (a datetime is accepted and cut to its date)."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(key, "field.date", raw=self._raw(key)[:60])
        return None

    def datetime(self, key: str, required: bool = False, default_tz: dt.tzinfo | None = None) -> dt.datetime | None:
        """A date-time; without a zone, `default_tz` (WIB, +07:00) is assumed. A bare date is midnight."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        result: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            result = value
        elif isinstance(value, dt.date):
            result = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                result = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                result = None
        if result is None:
            self.error(key, "field.datetime", raw=self._raw(key)[:60])
            return None
        if result.tzinfo is None and default_tz is not None:
            result = result.replace(tzinfo=default_tz)
        elif result.tzinfo is not None and default_tz is not None:
            result = result.astimezone(default_tz)
        return result

    def time(self, key: str, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 8:30 as the sexagesimal number 510; the fix is "08:30".
            self.error(key, "field.time_unquoted", raw=self._raw(key).strip().zfill(5))
            return None
        if not isinstance(value, str) or not _TIME.match(value.strip()):
            self.error(key, "field.time", raw=self._raw(key)[:60])
            return None
        return value.strip()

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None,
               required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is None:
            return default if key not in self.data or self.data[key] is None else None
        if value not in options:
            self.error(key, "field.choice", value=value, options=", ".join(options),
                       suggestion=suggest(value, options))
            return None
        return value

    def pattern(self, key: str, regex: str, msg: str, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        if not re.fullmatch(regex, value):
            self.error(key, msg, value=value)
            return None
        return value

    def url(self, key: str, required: bool = False, hosts: tuple[str, ...] | None = None) -> str | None:
        """An absolute web address: https (http only with a warning); any other scheme is an error."""
        value = self.text(key, required=required)
        if value is None:
            return None
        return check_url(value, lambda msg, **p: self.error(key, msg, **p),
                         lambda msg, **p: self.warning(key, msg, **p), hosts)

    # -- structures ------------------------------------------------------------------------------
    def mapping(self, key: str, allowed: tuple[str, ...], required: bool = False) -> Fields | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, YamlMap):
            self._wrong_type(key, "mapping")
            return None
        return Fields(value, self.path, self.report, allowed, where=f"{self.name(key)}.")

    def items(self, key: str, required: bool = False, min_items: int = 0,
              max_items: int | None = None) -> Iterator[tuple[int, Any, int]]:
        """Yield (index, item, line) of a list; a single scalar where a list is expected is an error."""
        value = self._get(key, required)
        if value is _MISSING:
            return
        if not isinstance(value, YamlList):
            self.error(key, "field.list", got=type_name(value))
            return
        if len(value) < min_items or (max_items is not None and len(value) > max_items):
            self.error(key, "field.count", min=min_items, max=max_items if max_items is not None else "∞",
                       count=len(value))
        for index, item in enumerate(value):
            yield index, item, value.line_of(index)

    def item_fields(self, key: str, index: int, item: Any, line: int, allowed: tuple[str, ...]) -> Fields | None:
        if not isinstance(item, YamlMap):
            self.report.error(self.path, line, "field.item_mapping", key=f"{self.name(key)}[{index + 1}]",
                              got=type_name(item))
            return None
        return Fields(item, self.path, self.report, allowed, where=f"{self.name(key)}[{index + 1}].")

    def text_list(self, key: str, required: bool = False, options: tuple[str, ...] | None = None) -> list[str]:
        result: list[str] = []
        seen: set[str] = set()
        for index, item, line in self.items(key, required=required):
            name = f"{self.name(key)}[{index + 1}]"
            if not isinstance(item, str) or not item.strip():
                self.report.error(self.path, line, "field.item_text", key=name, got=type_name(item))
                continue
            item = item.strip()
            if options is not None and item not in options:
                self.report.error(self.path, line, "field.choice", key=name, value=item,
                                  options=", ".join(options), suggestion=suggest(item, options))
                continue
            if item in seen:
                self.report.error(self.path, line, "field.item_duplicate", key=name, value=item)
                continue
            seen.add(item)
            result.append(item)
        return result

    def finish(self) -> None:
        for key in self.data:
            if key not in self.allowed:
                self.report.error(self.path, self.data.line_of(key), "field.unknown", key=self.name(key),
                                  suggestion=suggest(key, self.allowed),
                                  allowed=", ".join(self.allowed))


def suggest(value: str, options: tuple[str, ...] | list[str]) -> str:
    """The closest option, or '' (used for "did you mean")."""
    match = difflib.get_close_matches(str(value).lower(), [o.lower() for o in options], n=1, cutoff=0.6)
    if not match:
        return ""
    for option in options:
        if option.lower() == match[0]:
            return option
    return ""


_SAFE_URL_SCHEMES = ("https",)


def check_url(value: str, error: Callable[..., None], warning: Callable[..., None],
              hosts: tuple[str, ...] | None = None) -> str | None:
    """Shared URL rule of the content model: https, http with a warning, nothing else."""
    compact = re.sub(r"[\x00-\x20]", "", value).lower()
    scheme = compact.split(":", 1)[0] if ":" in compact else ""
    if scheme not in ("http", "https"):
        error("field.url_scheme", value=value[:80])
        return None
    parts = urlsplit(value.strip())
    if not parts.hostname or any(c in value for c in " <>\"'`\\"):
        error("field.url_invalid", value=value[:80])
        return None
    if hosts is not None:
        host = parts.hostname.lower()
        if not any(host == h or host.endswith("." + h) for h in hosts):
            error("field.url_host", value=value[:80], hosts=", ".join(hosts))
            return None
    if scheme == "http":
        warning("field.url_http", value=value[:80])
    return value.strip()
