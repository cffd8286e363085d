"""Read Armada's own `.proto` files (the executor API and its neighbours) into descriptors.

`scripts/write_protos.py` writes most of `proto/` from armada-client's descriptors, but the
client does not ship the executor API, the event schema it carries, binoculars, or the
executor/node/scheduler-reporting services. Those come from Armada's sources, copied
unchanged (Apache-2.0) into `shared/spec/upstream-protos/` beside the repository.

How: protoc (grpc_tools) compiles the upstream files into a FileDescriptorSet, and
write_protos.py renders each one as `.proto` text exactly as it renders the client's files. The
upstream imports are resolved with `--descriptor_set_in` from the client's own descriptors
(upstream's `pkg/api/health.proto` is the client's `armada/health.proto`; the Kubernetes files
are the client's proto2 ones), so no hand-written stand-in is needed and only type *names*
cross over: the written files import our proto3-with-`optional` rewrites of Kubernetes, whose
wire format and field presence are those of proto2. `pkg/api/submit.proto` is compiled from
the upstream source too (executorapi imports it for `api.JobState`) but not written:
`api/submit.proto` stays the client's, and tests/proto/test_upstream_protos.py checks that every
message, field, enum and method of upstream's version is in it unchanged.

The source folder is `$ARMADA_UPSTREAM_PROTOS` if set, otherwise the first
`shared/spec/upstream-protos` found beside the repository or beside one of its parents (a clone
with `../shared`, or a git worktree nested one level deeper). Without it nothing upstream is
written and the committed files stay as they are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from google.protobuf import descriptor_pb2

FileDescriptorProto = descriptor_pb2.FileDescriptorProto

SOURCE_ENV = "ARMADA_UPSTREAM_PROTOS"
SOURCE_IN_SHARED = Path("shared") / "spec" / "upstream-protos"

# Upstream path -> where the file goes under proto/: a folder named after its package.
WRITTEN = {
    "internal/scheduler/schedulerobjects/schedulerobjects.proto": (
        "schedulerobjects/schedulerobjects.proto"
    ),
    "pkg/api/binoculars/binoculars.proto": "binoculars/binoculars.proto",
    "pkg/api/executor.proto": "api/executor.proto",
    "pkg/api/node.proto": "api/node.proto",
    "pkg/api/schedulerobjects/scheduler_reporting.proto": (
        "schedulerobjects/scheduler_reporting.proto"
    ),
    "pkg/armadaevents/events.proto": "armadaevents/events.proto",
    "pkg/executorapi/executorapi.proto": "executorapi/executorapi.proto",
}
# The client file that stands in for an upstream import: client name -> upstream name.
STAND_INS = {"armada/health.proto": "pkg/api/health.proto"}
CLIENT_PREFIX = "armada/"
UPSTREAM_API_PREFIX = "pkg/api/"
# The upstream files compiled: every written one, plus submit.proto to be compared.
COMPILED = (*sorted(WRITTEN), "pkg/api/submit.proto")


def find_source(root: Path) -> Path | None:
    """The folder of upstream `.proto` files, or None when it is not there."""
    configured = os.environ.get(SOURCE_ENV)
    if configured:
        return Path(configured) if Path(configured).is_dir() else None
    for parent in root.parents:
        candidate = parent / SOURCE_IN_SHARED
        if candidate.is_dir():
            return candidate
    return None


def provenance(source: Path) -> str:
    """What the source's README says it is (which commit of Armada it was copied from)."""
    readme = source / "README"
    if not readme.is_file():
        return "no README"
    return readme.read_text(encoding="utf-8").splitlines()[0].removeprefix("upstream-protos: ")


def our_path(upstream_name: str) -> str | None:
    """Where an upstream file's content lives under `proto/`; None for the files (Kubernetes,
    google) that keep their names. `pkg/api/X` is our `api/X`, as for the client's `armada/X`."""
    if upstream_name in WRITTEN:
        return WRITTEN[upstream_name]
    if upstream_name.startswith(UPSTREAM_API_PREFIX):
        return "api/" + upstream_name.removeprefix(UPSTREAM_API_PREFIX)
    return None


def import_set(client_files: Sequence[FileDescriptorProto]) -> descriptor_pb2.FileDescriptorSet:
    """The client's files that upstream imports, under upstream's names, for protoc."""
    out = descriptor_pb2.FileDescriptorSet()
    for fdp in client_files:
        if fdp.name.startswith(CLIENT_PREFIX) and fdp.name not in STAND_INS:
            continue  # compiled from the upstream source instead
        copy = out.file.add()
        copy.CopyFrom(fdp)
        copy.name = STAND_INS.get(fdp.name, fdp.name)
        copy.dependency[:] = [STAND_INS.get(dep, dep) for dep in fdp.dependency]
    return out


def compile_upstream(
    source: Path, client_files: Sequence[FileDescriptorProto]
) -> list[FileDescriptorProto]:
    """Every file protoc builds from the upstream sources, imports first, upstream names."""
    with tempfile.TemporaryDirectory(prefix="armada-upstream-") as tmp:
        imports = Path(tmp) / "imports.binpb"
        imports.write_bytes(import_set(client_files).SerializeToString())
        out = Path(tmp) / "upstream.binpb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={source}",
            f"--descriptor_set_in={imports}",
            f"--descriptor_set_out={out}",
            "--include_imports",
            *COMPILED,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"protoc failed on {source} ({result.returncode}):\n{result.stderr}")
        return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)
