"""armadactl's resource files: YAML (or JSON) read into plain data, with line numbers.

Only the first document is read, as armadactl does. Values keep YAML's JSON-like types
(timestamps stay strings, as after Go's YAML→JSON step). A `Document` can say on which
line a value sits, given the path the wire codec reports (`jobs[0].podSpec.containers`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from armada_cli.errors import CliError

MAX_FILE = 64 * 1024 * 1024  # a job file bigger than this is a mistake, not a job set


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamps: they are strings, as in JSON."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Document:
    """A file's first document: its data and its node tree (for line numbers)."""

    name: str
    data: Any
    node: yaml.Node | None

    def fail(self, reason: str, path: str = "") -> CliError:
        """`Failed to parse file F because: line N: <path>: <reason>`."""
        line = self.line_of(path)
        where = f"line {line}: " if line else ""
        what = f"{path}: " if path else ""
        return CliError(f"Failed to parse file {self.name} because: {where}{what}{reason}")

    def line_of(self, path: str) -> int | None:
        """The 1-based line of the value at `path`, or of its nearest enclosing value."""
        node = self.node
        if node is None:
            return None
        rest = path
        while rest and node is not None:
            child, rest = _step(node, rest)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def read(path: str) -> Document:
    """Parse `path`; `Failed opening file` / `Failed to parse file` errors name the line."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE + 1)
    except OSError as error:
        raise CliError(f"Failed opening file {path} due to {error.strerror or error}") from None
    if len(raw) > MAX_FILE:
        raise CliError(f"Failed opening file {path} due to file larger than {MAX_FILE} bytes")
    return parse(raw.decode("utf-8", errors="replace"), path)


def parse(text: str, name: str) -> Document:
    loader = _Loader(text)
    try:
        node = loader.get_node() if loader.check_node() else None
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = error.problem or error.context or "invalid YAML"
        raise CliError(f"Failed to parse file {name} because: {where}{reason}") from None
    except yaml.YAMLError as error:
        raise CliError(f"Failed to parse file {name} because: {error}") from None
    finally:
        loader.dispose()
    return Document(name, data, node)


def get(data: Mapping[str, Any], key: str) -> Any:
    """`data[key]` with the key matched case-insensitively (Go's JSON decoding)."""
    if key in data:
        return data[key]
    lowered = key.lower()
    return next((v for k, v in data.items() if str(k).lower() == lowered), None)


_INDEX = re.compile(r"\[(\d+)\]")


def _step(node: yaml.Node, path: str) -> tuple[yaml.Node | None, str]:
    """The child `path` starts with, and the rest of `path`."""
    if (match := _INDEX.match(path)) and isinstance(node, yaml.SequenceNode):
        index = int(match.group(1))
        child = node.value[index] if index < len(node.value) else None
        return child, path[match.end() :].removeprefix(".")
    if isinstance(node, yaml.MappingNode):
        # keys may hold dots (`armadaproject.io/team`): take the longest that fits
        for key, value in sorted(node.value, key=lambda kv: -len(str(kv[0].value))):
            name = str(key.value)
            if path == name or path.startswith((name + ".", name + "[")):
                return value, path[len(name) :].removeprefix(".")
    return None, path
