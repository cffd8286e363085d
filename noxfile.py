"""Developer tasks: `nox -s <session>`."""

from __future__ import annotations

import nox

# Sessions run in the current interpreter: the tools are installed system-wide here and in CI.
nox.options.default_venv_backend = "none"


# --- protos: the wire schema --------------------------------------------------------------
# Rewrites proto/ from the descriptors armada-client ships (scripts/write_protos.py), then
# regenerates armada_adapters/grpc/_betterproto/ and armada_adapters/wire/descriptors.binpb
# (scripts/gen_protos.py). Commit the result; tests/proto/test_generated_fresh.py checks it.
@nox.session(python=False)
def protos(session: nox.Session) -> None:
    """Regenerate proto/, the betterproto2 package and the descriptor set."""
    session.run("python", "scripts/write_protos.py")
    session.run("python", "scripts/gen_protos.py")


# --- end protos ---------------------------------------------------------------------------
