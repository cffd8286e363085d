"""Developer tasks: `nox -s <session>`."""

from __future__ import annotations

import nox

# Sessions run in the current interpreter: the tools are installed system-wide here and in CI.
nox.options.default_venv_backend = "none"


# --- protos: the wire schema --------------------------------------------------------------
# Rewrites proto/ from the descriptors armada-client ships and from Armada's own .proto files
# in ../shared/spec/upstream-protos (scripts/write_protos.py, scripts/upstream_protos.py), then
# regenerates armada_adapters/grpc/_betterproto/ and armada_adapters/wire/descriptors.binpb
# (scripts/gen_protos.py). Commit the result; tests/proto/test_generated_fresh.py checks it.
@nox.session(python=False)
def protos(session: nox.Session) -> None:
    """Regenerate proto/, the betterproto2 package and the descriptor set."""
    session.run("python", "scripts/write_protos.py")
    session.run("python", "scripts/gen_protos.py")


# --- end protos ---------------------------------------------------------------------------


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """The whole test suite (what CI runs)."""
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=False)
def core(session: nox.Session) -> None:
    """Only the core's tests: they need no adapter, storage or auth extra."""
    session.run("python", "-m", "pytest", "tests/core", "tests/test_architecture.py")


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """Ruff over our code (generated code excluded in pyproject.toml)."""
    session.run("python", "-m", "ruff", "check", ".")


@nox.session(python=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over our packages."""
    session.run("python", "-m", "mypy")


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints its figures next to a baseline measured in the same run."""
    for script in ("bench/bench_core.py", "bench/bench_api.py", "bench/bench_limits.py"):
        session.run("python", script, *session.posargs)
