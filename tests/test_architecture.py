"""The core's dependency rule, checked on the source: stdlib, anyio and itself only.

import-linter says the same in pyproject.toml where it is installed; this test
needs nothing but `ast`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "armada_core"
ALLOWED = frozenset(sys.stdlib_module_names) | {"anyio", "typing_extensions", "armada_core"}


def _imported_roots(tree: ast.AST) -> list[tuple[int, str]]:
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.append((node.lineno, node.module.split(".")[0]))
    return roots


def test_core_sources_exist() -> None:
    assert len(list(CORE.rglob("*.py"))) > 10


def test_core_imports_only_stdlib_anyio_and_itself() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, root in _imported_roots(tree):
            if root not in ALLOWED:
                offenders.append(f"{path.relative_to(CORE.parent)}:{line} imports {root}")
    assert offenders == []


def test_the_check_catches_a_forbidden_import() -> None:
    tree = ast.parse("import os\nfrom starlette.requests import Request\nfrom . import x\n")
    roots = [root for _, root in _imported_roots(tree)]
    assert [r for r in roots if r not in ALLOWED] == ["starlette"]


INNER = ("armada_core", "armada_storage", "armada_auth", "armada_adapters", "armada_config")
CONFIG = CORE.parent / "armada_config"


def test_the_config_policy_imports_only_stdlib_the_core_and_itself() -> None:
    """armada_config sits below auth, storage and the server: they all read config with it."""
    allowed = frozenset(sys.stdlib_module_names) | {"armada_core", "armada_config"}
    offenders = []
    for path in sorted(CONFIG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{path.relative_to(CORE.parent)}:{line} imports {root}"
            for line, root in _imported_roots(tree)
            if root not in allowed
        ]
    assert len(list(CONFIG.rglob("*.py"))) >= 3
    assert offenders == []


def test_auth_and_storage_do_not_import_the_adapters() -> None:
    offenders = []
    for package in ("armada_auth", "armada_storage"):
        for path in sorted((CORE.parent / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            offenders += [
                f"{path.relative_to(CORE.parent)}:{line}"
                for line, root in _imported_roots(tree)
                if root == "armada_adapters"
            ]
    assert offenders == []


def test_nothing_inward_imports_the_cli() -> None:
    """armada_cli is an outer layer: a client of the API, never a dependency."""
    offenders = []
    for package in INNER:
        root = CORE.parent / package
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            offenders += [
                f"{path.relative_to(CORE.parent)}:{line}"
                for line, name in _imported_roots(tree)
                if name == "armada_cli"
            ]
    assert offenders == []


EXECUTOR = CORE.parent / "armada_executor"
# The executor is a client of ExecutorApi (decision E7): Armada's messages and the core's
# value rules (quantities, pod resources, gang annotations), never the service or storage.
EXECUTOR_MAY_USE = (
    "armada_executor",
    "armada_adapters.wire",
    "armada_adapters.server.listeners",
    # Binoculars' REST route: the REST adapter's body, error and route rules, no service
    "armada_adapters.rest.body",
    "armada_adapters.rest.decoding",
    "armada_adapters.rest.errors",
    "armada_adapters.rest.routes",
    "armada_adapters.server.http_protocol",
    "armada_core.quantity",
    "armada_core.submission",
    "armada_core.errors",
    "armada_core.retry.categories",  # the system's category names and their length rule
    "armada_config",  # the config policy's value readers
)
PROJECT = (*INNER, "armada_cli", "armada_executor")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _allowed(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_executor_uses_only_messages_and_value_rules_of_the_project() -> None:
    offenders = []
    for path in sorted(EXECUTOR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if module.split(".")[0] in PROJECT and not _allowed(module, EXECUTOR_MAY_USE):
                offenders.append(f"{path.relative_to(CORE.parent)}:{line} imports {module}")
    assert offenders == []


def test_only_the_server_composition_root_imports_the_executor() -> None:
    offenders = []
    for package in (*INNER, "armada_cli"):
        for path in sorted((CORE.parent / package).rglob("*.py")):
            if _allowed(path.relative_to(CORE.parent).with_suffix("").as_posix().replace("/", "."),
                        ("armada_adapters.server",)):  # fmt: skip
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in _imported_modules(tree):
                if _allowed(module, ("armada_executor",)):
                    offenders.append(f"{path.relative_to(CORE.parent)}:{line} imports {module}")
    assert offenders == []
