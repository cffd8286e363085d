"""Write the `.proto` sources under `proto/` from the descriptors that armada-client ships.

armada-client (PyPI) carries Armada's wire schema as protoc-generated `*_pb2` modules. Each
embeds its `FileDescriptorProto` (no comments, gogoproto already stripped). This script reads
them and prints `.proto` text with the same messages, fields, enums and services, except:

* files move from `armada/X.proto` to `api/X.proto` (package `api` is unchanged);
* the Kubernetes files become proto3: singular fields get `optional` and repeated scalars
  `[packed = false]`, so the wire bytes and field presence stay exactly those of proto2;
* `api/submit.proto` gains the LEGACY `GetQueueInfo` RPC and its messages;
* only `go_package` is kept of the file options.

The files the client lacks (the executor API, armadaevents, schedulerobjects, binoculars, and
the api Executor, Node and SchedulerReporting services) are read from Armada's own sources in
`shared/spec/upstream-protos` by the sibling `upstream_protos.py` and rendered the same way;
its docstring says how, and what happens when that folder is absent.

Run as `python scripts/write_protos.py` (or `nox -s protos`); the output is deterministic.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import upstream_protos  # a sibling: scripts/ is first on sys.path when a script runs
from google.protobuf import descriptor_pb2, text_format
from google.protobuf.descriptor import FileDescriptor

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"

CLIENT_MODULES = tuple(
    f"armada_client.armada.{name}_pb2" for name in ("submit", "event", "job", "health")
)

F = descriptor_pb2.FieldDescriptorProto
FileDescriptorProto = descriptor_pb2.FileDescriptorProto
SCALAR_NAMES = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_FIXED64: "fixed64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_BYTES: "bytes",
    F.TYPE_UINT32: "uint32",
    F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
}
NOT_PACKABLE = {F.TYPE_STRING, F.TYPE_BYTES, F.TYPE_MESSAGE, F.TYPE_GROUP}

# LEGACY (Armada before the legacy scheduler was removed) messages of `Submit.GetQueueInfo`:
# name -> fields (name, number, type, repeated). One the client still has must match.
LEGACY_MESSAGES: dict[str, list[tuple[str, int, str, bool]]] = {
    "QueueInfoRequest": [("name", 1, "string", False)],
    "JobSetInfo": [
        ("name", 1, "string", False),
        ("queued_jobs", 2, "int32", False),
        ("leased_jobs", 3, "int32", False),
    ],
    "QueueInfo": [
        ("name", 1, "string", False),
        ("active_job_sets", 2, ".api.JobSetInfo", True),
    ],
}

LEGACY_RPC = """\
  // LEGACY: served for old clients (armada-client 0.2.x, armadactl of that time).
  rpc GetQueueInfo(.api.QueueInfoRequest) returns (.api.QueueInfo) {
    option (google.api.http) = {
      get: "/v1/queue/{name}/info"
    };
  }
"""


def type_of(field: F) -> str:
    """The field's type as written in `.proto` (message and enum names fully qualified)."""
    if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
        return field.type_name
    if field.type == F.TYPE_GROUP:
        raise SystemExit(f"groups are not supported: {field.name}")
    return SCALAR_NAMES[field.type]


def our_path(client_name: str) -> str | None:
    """Where a client file goes under `proto/`; None for files protoc itself ships."""
    if client_name.startswith("google/protobuf/"):
        return None
    if client_name.startswith("armada/"):
        return "api/" + client_name.removeprefix("armada/")
    return client_name


def client_files() -> list[FileDescriptorProto]:
    """The client's file descriptors, dependencies first, in a stable order."""
    seen: dict[str, FileDescriptorProto] = {}

    def visit(fd: FileDescriptor) -> None:
        if fd.name in seen:
            return
        for dep in fd.dependencies:
            visit(dep)
        seen[fd.name] = descriptor_pb2.FileDescriptorProto.FromString(fd.serialized_pb)

    for name in CLIENT_MODULES:
        visit(importlib.import_module(name).DESCRIPTOR)
    return list(seen.values())


@dataclass
class Writer:
    """Renders one FileDescriptorProto as `.proto` text."""

    fdp: FileDescriptorProto
    to_proto3: bool
    notes: list[str]

    def map_entry(
        self, field: F, msg: descriptor_pb2.DescriptorProto
    ) -> descriptor_pb2.DescriptorProto | None:
        """The synthetic `...Entry` message if `field` is a map field."""
        if field.label != F.LABEL_REPEATED or field.type != F.TYPE_MESSAGE:
            return None
        for nested in msg.nested_type:
            if nested.options.map_entry and field.type_name.endswith("." + nested.name):
                return nested
        return None

    def field_line(self, field: F, msg: descriptor_pb2.DescriptorProto, in_oneof: bool) -> str:
        options: list[str] = []
        entry = self.map_entry(field, msg)
        if entry is not None:
            key, value = entry.field[0], entry.field[1]
            head = f"map<{type_of(key)}, {type_of(value)}>"
        else:
            head = type_of(field)
            if field.label == F.LABEL_REPEATED:
                head = "repeated " + head
                packable = field.type not in NOT_PACKABLE
                if field.options.HasField("packed"):
                    options.append(f"packed = {str(field.options.packed).lower()}")
                elif self.to_proto3 and packable:
                    options.append("packed = false")
            elif field.label == F.LABEL_REQUIRED:
                self.notes.append(f"{msg.name}.{field.name} was `required`; now `optional`.")
                head = "optional " + head
            elif field.proto3_optional or (self.to_proto3 and not in_oneof):
                head = "optional " + head
        if field.HasField("default_value"):
            self.notes.append(
                f"{msg.name}.{field.name} had proto2 default {field.default_value!r}, dropped."
            )
        if field.options.deprecated:
            options.append("deprecated = true")
        if field.HasField("json_name") and field.json_name != default_json_name(field.name):
            options.append(f'json_name = "{field.json_name}"')
        suffix = f" [{', '.join(options)}]" if options else ""
        return f"{head} {field.name} = {field.number}{suffix};"

    def message(self, msg: descriptor_pb2.DescriptorProto, indent: str) -> Iterator[str]:
        if msg.extension_range or msg.extension:
            raise SystemExit(f"extensions inside messages are not supported: {msg.name}")
        yield f"{indent}message {msg.name} {{"
        inner = indent + "  "
        if msg.options.deprecated:
            yield f"{inner}option deprecated = true;"
        for enum in msg.enum_type:
            yield from self.enum(enum, inner)
        for nested in msg.nested_type:
            if not nested.options.map_entry:
                yield from self.message(nested, inner)
        real_oneofs = {
            f.oneof_index for f in msg.field if f.HasField("oneof_index") and not f.proto3_optional
        }
        done: set[int] = set()
        for field in msg.field:
            index = field.oneof_index if field.HasField("oneof_index") else None
            if index is None or index not in real_oneofs:
                yield f"{inner}{self.field_line(field, msg, in_oneof=False)}"
            elif index not in done:
                done.add(index)
                yield f"{inner}oneof {msg.oneof_decl[index].name} {{"
                for member in msg.field:
                    if member.HasField("oneof_index") and member.oneof_index == index:
                        line = self.field_line(member, msg, in_oneof=True)
                        yield f"{inner}  {line}"
                yield f"{inner}}}"
        yield from reserved(msg.reserved_range, msg.reserved_name, inner, end_inclusive=False)
        yield f"{indent}}}"

    def enum(self, enum: descriptor_pb2.EnumDescriptorProto, indent: str) -> Iterator[str]:
        if self.to_proto3 and (not enum.value or enum.value[0].number != 0):
            raise SystemExit(f"enum {enum.name} cannot become proto3: first value is not 0")
        yield f"{indent}enum {enum.name} {{"
        inner = indent + "  "
        if enum.options.allow_alias:
            yield f"{inner}option allow_alias = true;"
        for value in enum.value:
            suffix = " [deprecated = true]" if value.options.deprecated else ""
            yield f"{inner}{value.name} = {value.number}{suffix};"
        yield from reserved(enum.reserved_range, enum.reserved_name, inner, end_inclusive=True)
        yield f"{indent}}}"

    def service(self, svc: descriptor_pb2.ServiceDescriptorProto) -> Iterator[str]:
        yield f"service {svc.name} {{"
        for method in svc.method:
            req = ("stream " if method.client_streaming else "") + method.input_type
            resp = ("stream " if method.server_streaming else "") + method.output_type
            body = list(method_options(method.options))
            head = f"  rpc {method.name}({req}) returns ({resp})"
            if body:
                yield head + " {"
                yield from ("    " + line for line in body)
                yield "  }"
            else:
                yield head + ";"
        if svc.name == "Submit" and self.fdp.package == "api":
            yield LEGACY_RPC.rstrip("\n")
        yield "}"

    def extensions(self) -> Iterator[str]:
        extendees = sorted({ext.extendee for ext in self.fdp.extension})
        for extendee in extendees:
            yield f"extend {extendee} {{"
            for ext in self.fdp.extension:
                if ext.extendee == extendee:
                    yield f"  {type_of(ext)} {ext.name} = {ext.number};"
            yield "}"


def default_json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def reserved(
    ranges: Sequence[descriptor_pb2.DescriptorProto.ReservedRange]
    | Sequence[descriptor_pb2.EnumDescriptorProto.EnumReservedRange],
    names: Sequence[str],
    indent: str,
    end_inclusive: bool,
) -> Iterator[str]:
    parts = []
    for r in ranges:
        last = r.end if end_inclusive else r.end - 1
        parts.append(str(r.start) if last == r.start else f"{r.start} to {last}")
    if parts:
        yield f"{indent}reserved {', '.join(parts)};"
    if names:
        yield f"{indent}reserved {', '.join(json.dumps(n) for n in names)};"


def method_options(options: descriptor_pb2.MethodOptions) -> Iterator[str]:
    if options.deprecated:
        yield "option deprecated = true;"
    if options.HasField("idempotency_level"):
        level = descriptor_pb2.MethodOptions.IdempotencyLevel.Name(options.idempotency_level)
        yield f"option idempotency_level = {level};"
    rule = http_rule(options)
    if rule:
        yield "option (google.api.http) = {"
        yield from ("  " + line for line in rule.splitlines())
        yield "};"


def http_rule(options: descriptor_pb2.MethodOptions) -> str:
    """The `google.api.http` option as text, read from the raw bytes of the options."""
    from armada_client.google.api import annotations_pb2, http_pb2  # registers the extension

    raw = options.SerializeToString()
    parsed = descriptor_pb2.MethodOptions.FromString(raw)
    if not parsed.HasExtension(annotations_pb2.http):
        return ""
    rule: http_pb2.HttpRule = parsed.Extensions[annotations_pb2.http]
    return text_format.MessageToString(rule, indent=0)


def legacy_messages(fdp: FileDescriptorProto, writer: Writer) -> list[list[str]]:
    """The LEGACY messages the client lacks; those it has must have the same fields."""
    existing = {msg.name: msg for msg in fdp.message_type}
    blocks: list[list[str]] = []
    for name, fields in LEGACY_MESSAGES.items():
        if name in existing:
            msg = existing[name]
            have = [(f.name, f.number, type_of(f), f.label == F.LABEL_REPEATED) for f in msg.field]
            if have != fields:
                raise SystemExit(f"client's {name} differs from LEGACY: {have}")
            continue
        lines = ["// LEGACY: only used by Submit.GetQueueInfo.", f"message {name} {{"]
        for field_name, number, type_name, repeated in fields:
            label = "repeated " if repeated else ""
            lines.append(f"  {label}{type_name} {field_name} = {number};")
        blocks.append([*lines, "}"])
    return blocks


def file_header(fdp: FileDescriptorProto, path: str, to_proto3: bool, version: str) -> str:
    lines = [
        f"// {path}: written by scripts/write_protos.py; do not edit by hand.",
        "//",
        "// Source: the serialized FileDescriptorProto",
        f"//   {fdp.name}",
        f"// inside the armada-client {version} wheel (PyPI): Armada's wire schema as the official",
        "// Python client encodes it. Field names, numbers, types and json names are unchanged.",
        "// gogoproto imports and options are absent (the client's descriptors never had them),",
        "// unused imports are dropped and only `go_package` is kept of the file options.",
    ]
    if to_proto3:
        lines += [
            "//",
            "// Kubernetes ships this file as proto2. Here it is proto3 with `optional` on every",
            "// singular field and `[packed = false]` on every repeated scalar, which keeps",
            "// proto2's wire encoding and field presence (an explicit `false` or `0` survives).",
        ]
    if fdp.package == "api" and fdp.name == "armada/submit.proto":
        lines += [
            "//",
            "// Added: the LEGACY RPC `Submit.GetQueueInfo` and its messages QueueInfoRequest and",
            "// QueueInfo, field numbers as in Armada's pkg/api/submit.proto of that time (the",
            "// client still has JobSetInfo; it is checked to be unchanged).",
        ]
    return "\n".join(lines)


def type_index(files: Sequence[FileDescriptorProto]) -> dict[str, str]:
    """Fully qualified type name (with leading dot) -> name of the file defining it."""
    index: dict[str, str] = {}

    def add(prefix: str, msg: descriptor_pb2.DescriptorProto, file: str) -> None:
        name = f"{prefix}.{msg.name}"
        index[name] = file
        for nested in msg.nested_type:
            add(name, nested, file)
        for enum in msg.enum_type:
            index[f"{name}.{enum.name}"] = file

    for fdp in files:
        prefix = f".{fdp.package}" if fdp.package else ""
        for msg in fdp.message_type:
            add(prefix, msg, fdp.name)
        for enum in fdp.enum_type:
            index[f"{prefix}.{enum.name}"] = fdp.name
    return index


def used_files(fdp: FileDescriptorProto, index: dict[str, str]) -> set[str]:
    """Names of the files whose types (or the http option) this file refers to."""
    names: set[str] = set()

    def visit(msg: descriptor_pb2.DescriptorProto) -> None:
        names.update(f.type_name for f in msg.field if f.type_name)
        for nested in msg.nested_type:
            visit(nested)

    for msg in fdp.message_type:
        visit(msg)
    for ext in fdp.extension:
        names.update(n for n in (ext.extendee, ext.type_name) if n)
    files = {index[n] for n in names}
    for svc in fdp.service:
        for method in svc.method:
            files.update(index[n] for n in (method.input_type, method.output_type))
            if http_rule(method.options):
                files.add("google/api/annotations.proto")
    if fdp.name == "armada/submit.proto":
        files.add("google/api/annotations.proto")  # the LEGACY RPC's option
    return files - {fdp.name}


def render(
    fdp: FileDescriptorProto,
    index: dict[str, str],
    header: str,
    rename: Callable[[str], str | None],
) -> str:
    """`.proto` text of `fdp`; `rename` gives an import's path under `proto/` (None: as is)."""
    to_proto3 = fdp.syntax in ("", "proto2")
    notes: list[str] = []
    writer = Writer(fdp, to_proto3, notes)
    body: list[str] = ['syntax = "proto3";', "", f"package {fdp.package};", ""]
    needed = used_files(fdp, index)
    if needed - set(fdp.dependency):
        raise SystemExit(f"{fdp.name} uses files it does not import: {needed}")
    deps = [dep for dep in fdp.dependency if dep in needed]
    body += [f'import "{rename(dep) or dep}";' for dep in deps]
    if deps:
        body.append("")
    if fdp.options.HasField("go_package"):
        body += [f'option go_package = "{fdp.options.go_package}";', ""]
    blocks: list[Iterable[str]] = [writer.extensions()]
    blocks += [writer.enum(enum, "") for enum in fdp.enum_type]
    blocks += [writer.message(msg, "") for msg in fdp.message_type]
    if fdp.name == "armada/submit.proto":
        blocks += legacy_messages(fdp, writer)
    blocks += [writer.service(svc) for svc in fdp.service]
    for block in blocks:
        lines = list(block)
        if lines:
            body += [*lines, ""]
    if notes:
        header += "\n//\n" + "\n".join(f"// Note: {note}" for note in notes)
    return header + "\n\n" + "\n".join(body).rstrip("\n") + "\n"


def upstream_header(upstream_name: str, path: str, provenance: str) -> str:
    lines = [
        f"// {path}: written by scripts/write_protos.py; do not edit by hand.",
        "//",
        f"// Source: Armada's {upstream_name}, read by protoc from shared/spec/upstream-protos",
        f"// ({provenance}).",
        "// Package, messages, field names, numbers, types and json names, enums, services,",
        "// method paths and google.api.http annotations are unchanged. gogoproto is absent,",
        "// comments are left in the source, imports are renamed to this tree (pkg/api/X is",
        "// api/X; Kubernetes files are our proto3-with-`optional` rewrites, wire-identical to",
        "// proto2) and only `go_package` is kept of the file options.",
    ]
    return "\n".join(lines)


def client_texts(files: Sequence[FileDescriptorProto]) -> Iterator[tuple[str, str]]:
    """(path under proto/, text) of every file the client ships."""
    version = importlib.metadata.version("armada-client")
    index = type_index(files)
    for fdp in files:
        path = our_path(fdp.name)
        if path is not None:
            header = file_header(fdp, path, fdp.syntax in ("", "proto2"), version)
            yield path, render(fdp, index, header, our_path)


def upstream_texts(
    source: Path, client: Sequence[FileDescriptorProto]
) -> Iterator[tuple[str, str]]:
    """(path under proto/, text) of every file read from Armada's sources in `source`."""
    files = upstream_protos.compile_upstream(source, client)
    index = type_index(files)
    provenance = upstream_protos.provenance(source)
    for fdp in files:
        path = upstream_protos.WRITTEN.get(fdp.name)
        if path is not None:
            header = upstream_header(fdp.name, path, provenance)
            yield path, render(fdp, index, header, upstream_protos.our_path)


def write_all(out_dir: Path, upstream: Path | None = None) -> list[Path]:
    """Write every `.proto` file into `out_dir`; returns the paths written.

    `upstream` is the folder of Armada's sources (default: found beside the repository);
    without one only the client's files are written.
    """
    written: list[Path] = []
    client = client_files()
    source = upstream or upstream_protos.find_source(ROOT)
    texts: Iterable[tuple[str, str]] = client_texts(client)
    if source is None:
        print("upstream-protos not found: upstream files left as they are", file=sys.stderr)
    else:
        texts = [*texts, *upstream_texts(source, client)]
    for rel, text in texts:
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROTO_DIR, help="target folder")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"wrote {path.relative_to(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
