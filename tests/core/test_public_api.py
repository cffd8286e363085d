"""The package's public names are deliberate: listed, sorted, importable."""

from __future__ import annotations

import armada_core


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted_and_unique() -> None:
    names = armada_core.__all__
    assert names == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)


def test_every_public_name_exists() -> None:
    for name in armada_core.__all__:
        assert getattr(armada_core, name) is not None, name


def test_the_service_and_its_config_are_public() -> None:
    assert {"ArmadaService", "ServiceConfig", "Principal", "ArmadaError"} <= set(
        armada_core.__all__
    )
