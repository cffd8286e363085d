"""Choosing a storage backend by name from the `storage:` section."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

import armada_storage
from armada_storage import MemoryStorage, StorageConfigError, open_storage
from armada_storage.registry import BUILTIN, _load, known_names, resolve_factory
from armada_storage.sqlite import SqliteStorage

pytestmark = pytest.mark.anyio

ENTRY_POINTS = Path(armada_storage.__file__).resolve().parents[1] / "pyproject.toml"


async def test_memory_and_sqlite_by_name(tmp_path: Path) -> None:
    memory = await open_storage({"backend": "memory"})
    assert isinstance(memory, MemoryStorage)
    await memory.aclose()
    path = tmp_path / "sub" / "a.db"
    section = {"backend": "sqlite", "sqlite": {"path": str(path), "synchronous": "normal"}}
    sqlite = await open_storage(section)
    try:
        assert isinstance(sqlite, SqliteStorage)
        assert sqlite.settings.synchronous == "NORMAL"
        assert path.exists()
    finally:
        await sqlite.aclose()


async def test_an_explicit_mapping_comes_first() -> None:
    seen: list[Any] = []

    async def fake(settings):
        seen.append(dict(settings))
        return MemoryStorage()

    storage = await open_storage(
        {"backend": "sqlite", "sqlite": {"x": 1}}, backends={"sqlite": fake}
    )
    assert isinstance(storage, MemoryStorage)
    assert seen == [{"x": 1}]
    assert "custom" in known_names({"custom": fake})


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"backend": "redis"},
            "unknown storage backend 'redis'; installed: memory, postgres, sqlite",
        ),
        ({}, "storage.backend is required; installed: memory, postgres, sqlite"),
        (None, "storage must be a mapping"),
        ({"backend": "sqlite"}, "storage.sqlite.path is required"),
        ({"backend": "sqlite", "sqlite": {"path": "x", "synchronous": "OFF"}}, "FULL, NORMAL"),
        (
            {"backend": "sqlite", "sqlite": {"path": "x", "pth": "y"}},
            "unknown key storage.sqlite.pth; known keys: path, synchronous",
        ),
        ({"backend": "sqlite", "sqlite": "x.db"}, "storage.sqlite must be a mapping"),
        ({"backend": "memory", "memory": {"size": 1}}, "unknown key storage.memory.size"),
        ({"Backend": "memory", "sqlite": {}, "sqlit": {}}, "unknown key storage.sqlit; known"),
    ],
)
async def test_unusable_sections(section, message: str) -> None:
    with pytest.raises(StorageConfigError) as info:
        await open_storage(section)
    assert message in str(info.value)


def test_declared_entry_points_match_the_built_in_table() -> None:
    declared = tomllib.loads(ENTRY_POINTS.read_text())["project"]["entry-points"]
    assert declared["armada.storage"] == dict(BUILTIN)
    for name, reference in declared["armada.storage"].items():
        assert callable(resolve_factory(name))
        assert callable(_load(name, reference))


def test_a_plugin_that_cannot_load_is_a_config_error() -> None:
    with pytest.raises(StorageConfigError, match="cannot be loaded"):
        _load("broken", "armada_storage.no_such_module:factory")
