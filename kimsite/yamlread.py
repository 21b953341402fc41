"""Safe YAML reading that remembers where every key came from.

Volunteers' mistakes must be reported at the line of the offending key, so mappings are loaded
as `YamlMap` (a dict with `lines` and `raw` side tables) and sequences as `YamlList`. The raw
source text of each scalar is kept so that YAML 1.1 traps (`NO`, `08:30`, `0812…`) can be
explained instead of silently turned into `False`, `510` and `812…`.

Refused outright, with a clear error: anchors/aliases (the "billion laughs" bomb), nesting deeper
than `MAX_DEPTH`, texts over `MAX_BYTES`, duplicate keys, non-scalar keys, and any tag that
SafeLoader would not build (`!!python/object`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml is ~10x faster when present; behaviour is the same.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

MAX_BYTES = 1_000_000
MAX_DEPTH = 50


class YamlMap(dict):
    """A mapping with the 1-based line of each key (`lines`) and each scalar's source text (`raw`)."""

    line: int = 0
    lines: dict[str, int]
    raw: dict[str, tuple[str, str | None]]

    def __init__(self) -> None:
        super().__init__()
        self.lines = {}
        self.raw = {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class YamlList(list):
    """A sequence with the 1-based line of each item and each scalar item's source text."""

    line: int = 0
    lines: list[int]
    raw: list[tuple[str, str | None] | None]

    def __init__(self) -> None:
        super().__init__()
        self.lines = []
        self.raw = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A YAML text that cannot be read: `line` is 1-based in the file, `key` a messages.py key."""

    line: int
    key: str
    detail: str = ""


def _raw(node: Node) -> tuple[str, str | None] | None:
    return (node.value, node.style) if isinstance(node, ScalarNode) else None


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    line_offset = 0

    def construct_located_map(self, node: MappingNode):  # type: ignore[no-untyped-def]
        data = YamlMap()
        data.line = node.start_mark.line + 1 + self.line_offset
        yield data
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1 + self.line_offset
            if not isinstance(key_node, ScalarNode):
                raise YamlProblem(line, "yaml.key_not_text")
            key = key_node.value
            if key == "<<":
                raise YamlProblem(line, "yaml.merge_key")
            if key in data:
                raise YamlProblem(line, "yaml.duplicate_key", key)
            data[key] = self._construct_at(value_node)
            data.lines[key] = line
            raw = _raw(value_node)
            if raw is not None:
                data.raw[key] = raw

    def _construct_at(self, node: Node) -> Any:
        """Construct one value; a value SafeLoader cannot build (2024-13-45) is reported at its own line."""
        try:
            return self.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            raise YamlProblem(node.start_mark.line + 1 + self.line_offset, "yaml.bad_value", str(exc)) from None

    def refuse_tag(self, node: Node) -> Any:
        raise YamlProblem(node.start_mark.line + 1 + self.line_offset, "yaml.tag", node.tag)

    def construct_located_list(self, node: SequenceNode):  # type: ignore[no-untyped-def]
        data = YamlList()
        data.line = node.start_mark.line + 1 + self.line_offset
        yield data
        for item in node.value:
            data.append(self._construct_at(item))
            data.lines.append(item.start_mark.line + 1 + self.line_offset)
            data.raw.append(_raw(item))


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_located_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_located_list)
for _exotic in ("omap", "pairs", "set", "binary"):  # exotic tags: refused like unknown ones
    _Loader.add_constructor(f"tag:yaml.org,2002:{_exotic}", _Loader.refuse_tag)


def _check_flow_depth(text: str, line_offset: int) -> None:
    """Refuse deep `[[[[…` before libyaml recurses into it (cheap, approximate, never too strict)."""
    depth = 0
    line = 1
    for ch in text:
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem(line + line_offset, "yaml.too_deep", str(MAX_DEPTH))
        elif ch in "]}":
            depth = max(0, depth - 1)


def _check_tree(root: Node, line_offset: int) -> None:
    """Walk the composed nodes once: no aliases (a node seen twice), no tags, depth within bounds."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1 + line_offset
        if id(node) in seen:
            raise YamlProblem(line, "yaml.alias")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlProblem(line, "yaml.too_deep", str(MAX_DEPTH))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                stack.append((key_node, depth + 1))
                stack.append((value_node, depth + 1))
        elif isinstance(node, SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


def load(text: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; `line_offset` is added to every line (front matter starts at line 2).

    Raises `YamlProblem` for anything that is not plain, safe YAML data.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(1 + line_offset, "yaml.too_big", str(MAX_BYTES // 1_000_000))
    _check_flow_depth(text, line_offset)
    loader = _Loader(text)
    loader.line_offset = line_offset
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_tree(node, line_offset)
        return loader.construct_document(node)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        raise _located_problem(text, exc, line_offset) from None
    except yaml.reader.ReaderError as exc:  # a control character, found before any parsing
        found = _BAD_CHAR.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        raise YamlProblem(line + line_offset, "yaml.control_char", str(exc.reason)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1 + line_offset, "yaml.syntax", str(exc).splitlines()[0]) from None
    except RecursionError:
        raise YamlProblem(1 + line_offset, "yaml.too_deep", str(MAX_DEPTH)) from None
    except ValueError as exc:  # e.g. a timestamp like 2024-13-45 that SafeLoader cannot build
        raise YamlProblem(1 + line_offset, "yaml.bad_value", str(exc)) from None
    finally:
        loader.dispose()


_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_OPEN_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s#'"][^#'"]*?:\s+)?(["'])""")


def _located_problem(text: str, exc: yaml.MarkedYAMLError, line_offset: int) -> YamlProblem:
    """Turn libyaml's error into a YamlProblem at the line a volunteer must edit (not where the
    parser happened to give up: an unclosed quote is reported where it was opened)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = exc.problem or exc.context or ""
    key = _classify(problem, exc)
    context = exc.context or ""
    if key == "yaml.control_char":
        found = _BAD_CHAR.search(text)
        if found:
            line = text.count("\n", 0, found.start()) + 1
    elif "quoted scalar" in context or "did not find expected key" in problem or "end of stream" in problem:
        quote_line = _unclosed_quote_line(text, line)
        if quote_line:
            line, key = quote_line, "yaml.unclosed_quote"
        elif "quoted scalar" in context and exc.context_mark:
            line, key = exc.context_mark.line + 1, "yaml.unclosed_quote"
    elif "did not find expected ','" in problem and exc.context_mark:
        line, key = exc.context_mark.line + 1, "yaml.unclosed_bracket"
    elif key == "yaml.syntax" and "\t" in "".join(text.split("\n")[max(0, line - 2):line]):
        key = "yaml.tab"  # libyaml says "cannot start any token" for a tab indent
        line = next(i for i in range(max(1, line - 1), line + 1) if "\t" in text.split("\n")[i - 1])
    elif "<document start>" in problem:
        directive = next((i for i, row in enumerate(text.split("\n"), 1) if row.startswith("%")), 0)
        if directive:
            line, key = directive, "yaml.directive"
    return YamlProblem(line + line_offset, key, problem)


def _unclosed_quote_line(text: str, upto: int) -> int:
    """The first line (up to `upto`) whose value opens a quote that the same line never closes."""
    for number, row in enumerate(text.split("\n")[:upto], 1):
        match = _OPEN_QUOTE.match(row)
        if not match:
            continue
        quote, rest = match.group(1), row[match.end():]
        closed = rest.replace("''", "") if quote == "'" else re.sub(r'\\.', "", rest)
        if quote not in closed:
            return number
    return 0


def _classify(problem: str, exc: yaml.MarkedYAMLError) -> str:
    if "could not determine a constructor" in problem or isinstance(exc, yaml.constructor.ConstructorError):
        return "yaml.tag"
    if "'\\t'" in problem or "\\t" in problem:
        return "yaml.tab"
    if "mapping values are not allowed" in problem:
        return "yaml.colon_in_value"
    if "found duplicate anchor" in problem or "found undefined alias" in problem:
        return "yaml.alias"
    if "control characters are not allowed" in problem or "special characters are not allowed" in problem:
        return "yaml.control_char"
    if "expected <document end>" in problem or "but found another document" in problem:
        return "yaml.multiple_documents"
    return "yaml.syntax"
