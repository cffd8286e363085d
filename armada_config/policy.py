"""The one policy by which a YAML section becomes a typed value (the package docstring
states it for users). Also the helper for plugins: a backend declares its settings as
a dataclass and reads its section with `read_section(Settings, section, "auth.myAuth")`.

A schema is a dataclass. Its fields are the keys: the camelCase of the field name, or
`field(metadata={KEY: "queryapi"})` when the key is spelt otherwise; `{KEY: None}`
marks a field that no key sets. `armada_unused` (a class attribute, a tuple of keys)
lists Armada's keys that have no effect here. A field's type says how its value is
read: dataclass, Mapping[str, T], tuple[T, ...], frozenset[T], T | None, bool, int,
float, str, Path, timedelta, Quantity (Kubernetes' `8Gi`), Any, or
`Annotated[T, Read(reader)]` for anything else (`Seconds` and `ByteSize` are two).
A dataclass's `__post_init__` checks what types cannot; its ValueError becomes the
error, prefixed with the section's path unless it names it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from armada_config.durations import read_go_duration, read_seconds
from armada_core.echo import shown
from armada_core.quantity import Quantity

CONFIG_LOGGER = "armada_adapters.server.config"  # durations logs under it too
logger = logging.getLogger(CONFIG_LOGGER)

T = TypeVar("T")
Reader = Callable[[Any, str], Any]  # (raw value, its path) -> value; ValueError says why
KEY = "config_key"
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})  # Go's strconv.ParseBool
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_INT = re.compile(r"[+-]?[0-9]{1,18}")


class ConfigError(ValueError):
    """The configuration cannot be used; the message is one line naming the key's path."""


class SchemaError(Exception):
    """A schema uses a type the policy cannot read: the code's mistake, not the file's."""


@dataclasses.dataclass(frozen=True, slots=True)
class Read:
    """`Annotated[T, Read(reader)]`: the value is `reader(raw, path)`."""

    reader: Reader


Seconds = Annotated[float, Read(read_seconds)]


def read_section(
    schema: type[T], data: Any, where: str, *, error: type[Exception] = ConfigError
) -> T:
    """`data` (a mapping, None for empty) as a `schema` instance, or `error` naming the key.

    Armada's keys that have no effect here are logged in one warning.
    """
    return cast(T, read_value(schema, data, where, error=error))


def read_value(
    tp: Any,
    raw: Any,
    where: str,
    *,
    error: type[Exception] = ConfigError,
    field_types: Mapping[str, Any] | None = None,
) -> Any:
    """`raw` read as type `tp` (see the module docstring) at path `where`.

    `field_types` (field name -> type) reads fields of the dataclass `tp` as other
    types, for a schema that cannot carry `Read` (the core's).
    """
    reading = _Reading({tp: field_types} if field_types else {})
    try:
        value = reading.value(tp, raw, where)
    except (ValueError, TypeError) as exc:
        raise error(str(exc)) from None
    warn_unused(reading.unused)
    return value


def warn_unused(paths: list[str]) -> None:
    """One warning naming Armada's keys (full paths) that have no effect here."""
    if paths:
        logger.warning(
            "config keys of Armada's that have no effect here, ignored: %s", ", ".join(paths)
        )


def lookup(section: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """`section[key]` with the key matched ignoring case, as Armada's loader does."""
    found = matching_key(section, key)
    return default if found is None else section[found]


def matching_key(section: Mapping[Any, Any], key: str) -> Any:
    """The key of `section` that matches `key` ignoring case (None: none does)."""
    wanted = key.lower()
    return next((k for k in section if str(k).lower() == wanted), None)


def config_key(field: dataclasses.Field[Any]) -> str | None:
    """The YAML key of a schema field (None: no key sets it)."""
    if KEY in field.metadata:
        return cast(str | None, field.metadata[KEY])
    head, *rest = field.name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@functools.cache
def schema_keys(schema: type) -> dict[str, tuple[str, str, Any]]:
    """Lower-cased key -> (field name, key, field type) for a schema's keys."""
    hints = typing.get_type_hints(schema, include_extras=True)
    keys = {}
    for field in dataclasses.fields(schema):
        key = config_key(field)
        if field.init and key is not None:
            keys[key.lower()] = (field.name, key, hints[field.name])
    return keys


class _Reading:
    """One `read_value` call: walks the value along its type, notes ignored keys."""

    def __init__(self, field_types: Mapping[Any, Mapping[str, Any]]) -> None:
        self.unused: list[str] = []
        self.field_types = field_types

    def value(self, tp: Any, raw: Any, path: str) -> Any:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is Annotated:
            read = next((a for a in tp.__metadata__ if isinstance(a, Read)), None)
            return read.reader(raw, path) if read else self.value(args[0], raw, path)
        if origin in (typing.Union, types.UnionType):
            return self._optional(args, raw, path)
        if dataclasses.is_dataclass(tp):
            return self.section(cast(type, tp), raw, path)
        if origin in (dict, Mapping):
            return {k: self.value(args[1], v, f"{path}.{k}") for k, v in _mapping(raw, path)}
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(self._items(args[0], raw, path))
        if origin in (list, frozenset):
            return origin(self._items(args[0], raw, path))
        if tp is Any:
            return raw
        scalar = _SCALARS.get(tp)
        if scalar is None:
            raise SchemaError(f"{path}: the configuration cannot read type {tp!r}")
        return scalar(raw, path)

    def section(self, schema: type, raw: Any, path: str) -> Any:
        keys, values, seen = schema_keys(schema), {}, set[str]()
        retyped = self.field_types.get(schema, {})
        unused = {key.lower() for key in getattr(schema, "armada_unused", ())}
        for key, item in _mapping(raw, path):
            where = f"{path}.{key}" if path else key
            found = keys.get(key.lower())
            if found is None and key.lower() in unused:
                self.unused.append(where)
            elif found is None:
                known = ", ".join(k for _, k, _ in keys.values()) or "none"
                raise ValueError(f"unknown key {where}; known keys: {known}")
            elif found[0] in seen:
                raise ValueError(f"{where} is given twice (keys match ignoring case)")
            else:
                name, canonical, tp = found
                seen.add(name)
                if item is not None:  # an empty key keeps the default, as in Armada
                    where = f"{path}.{canonical}" if path else canonical
                    values[name] = self.value(retyped.get(name, tp), item, where)
        _require(schema, values, path)
        try:
            return schema(**values)
        except ValueError as exc:
            raise ValueError(_with_path(str(exc), path, keys)) from None

    def _optional(self, args: tuple[Any, ...], raw: Any, path: str) -> Any:
        present = [arg for arg in args if arg is not type(None)]
        if raw is None and len(present) < len(args):
            return None
        if len(present) != 1:
            raise SchemaError(f"{path}: the configuration cannot read a union {args!r}")
        return self.value(present[0], raw, path)

    def _items(self, tp: Any, raw: Any, path: str) -> list[Any]:
        if isinstance(raw, Mapping) and tp is str:  # Go's map[string]bool as a set
            return [str(k) for k, v in raw.items() if read_bool(v, f"{path}.{k}")]
        if isinstance(raw, str | bytes) or not isinstance(raw, list | tuple):
            raise ValueError(f"{path} must be a list, got {_shown(raw)}")
        return [self.value(tp, item, f"{path}[{i}]") for i, item in enumerate(raw)]


def _with_path(text: str, path: str, keys: Mapping[str, Any]) -> str:
    """A schema's own message with the section's path: `submission.maxPodSpecSizeBytes ...`."""
    if not path or text.startswith(path):
        return text
    first = text.split(" ", 1)[0]
    return f"{path}.{text}" if first.lower() in keys else f"{path}: {text}"


def _require(schema: type, values: Mapping[str, Any], path: str) -> None:
    for field in dataclasses.fields(schema):
        missing = field.default is dataclasses.MISSING
        if missing and field.default_factory is dataclasses.MISSING and field.name not in values:
            key = config_key(field)
            raise ValueError(f"{path}.{key} is required" if path else f"{key} is required")


def _mapping(raw: Any, path: str) -> list[tuple[str, Any]]:
    """The entries of a mapping; a list of mappings is merged, as Armada's loader does."""
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        return [(str(k), v) for k, v in raw.items()]
    if isinstance(raw, list) and raw and all(isinstance(item, Mapping) for item in raw):
        return [(str(k), v) for item in raw for k, v in item.items()]
    raise ValueError(f"{path} must be a mapping, got {type(raw).__name__}")


def _shown(raw: Any) -> str:
    return repr(shown(raw)) if isinstance(raw, str) else shown(repr(raw))


def read_bool(raw: Any, path: str) -> bool:
    """true/false; from a string too, in Go's spellings (environment variables)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip() in _GO_TRUE | _GO_FALSE:
        return raw.strip() in _GO_TRUE
    raise ValueError(f"{path} must be true or false, got {_shown(raw)}")


def read_int(raw: Any, path: str) -> int:
    """An integer; from a string of digits too (environment variables, quoted YAML)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and _INT.fullmatch(raw.strip()):
        return int(raw)
    raise ValueError(f"{path} must be an integer, got {_shown(raw)}")


def read_float(raw: Any, path: str) -> float:
    """A number; from a string holding one too."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str) and len(raw) < 64:
        try:
            return float(raw)
        except ValueError:
            pass
    raise ValueError(f"{path} must be a number, got {_shown(raw)}")


def read_str(raw: Any, path: str) -> str:
    """A string; numbers and booleans are refused (quote them)."""
    if isinstance(raw, str):
        return raw
    raise ValueError(f"{path} must be a string, got {_shown(raw)}")


def read_path(raw: Any, path: str) -> Path:
    """A file system path (a non-empty string)."""
    text = read_str(raw, path)
    if not text:
        raise ValueError(f"{path} must not be empty")
    return Path(text)


def read_quantity(raw: Any, path: str) -> Quantity:
    """A Kubernetes quantity (`4`, `500m`, `8Gi`)."""
    if isinstance(raw, bool):
        raise ValueError(f"{path} must be a quantity such as 500m or 8Gi, got {_shown(raw)}")
    try:
        return Quantity.parse(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def read_byte_size(raw: Any, path: str) -> int:
    """A number of bytes, as a quantity (`1Mi`, `10000000`)."""
    size = read_quantity(raw, path).value()
    if size < 0:
        raise ValueError(f"{path} must not be negative")
    return size


ByteSize = Annotated[int, Read(read_byte_size)]

_SCALARS: dict[Any, Reader] = {
    Quantity: read_quantity,
    bool: read_bool,
    int: read_int,
    float: read_float,
    str: read_str,
    Path: read_path,
    timedelta: read_go_duration,
}
