"""The committed proto/, betterproto2 package and descriptor set match a fresh generation."""

from __future__ import annotations

from pathlib import Path

from proto_support import ROOT, load_script, upstream_source

HINT = "generated files are stale: run `nox -s protos` and commit the result"


def tree(root: Path, pattern: str) -> dict[str, bytes]:
    """Relative path -> content of the files matching pattern, bytecode caches left out."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob(pattern))
        if path.is_file() and "__pycache__" not in path.parts
    }


def assert_same_tree(committed: Path, fresh: Path, pattern: str = "*") -> None:
    have, want = tree(committed, pattern), tree(fresh, pattern)
    assert sorted(have) == sorted(want), f"{HINT}: file lists differ under {committed}"
    stale = [name for name in want if have[name] != want[name]]
    assert not stale, f"{HINT}: {stale} under {committed}"


def test_proto_sources_are_fresh(tmp_path: Path) -> None:
    load_script("write_protos").write_all(tmp_path, upstream_source())
    assert_same_tree(ROOT / "proto", tmp_path, "*.proto")


def test_betterproto_package_and_descriptor_set_are_fresh(tmp_path: Path) -> None:
    gen = load_script("gen_protos")
    gen.generate(tmp_path / "_betterproto", tmp_path / "descriptors.binpb")
    committed = gen.BETTERPROTO_DIR / gen.VERSIONS_FILE
    fresh = tmp_path / "_betterproto" / gen.VERSIONS_FILE
    assert committed.read_text() == fresh.read_text(), (
        f"tool versions differ from those that generated the committed files "
        f"(install the committed ones, or {HINT}):\n"
        f"committed:\n{committed.read_text()}here:\n{fresh.read_text()}"
    )
    assert_same_tree(gen.BETTERPROTO_DIR, tmp_path / "_betterproto")
    assert gen.DESCRIPTORS.read_bytes() == (tmp_path / "descriptors.binpb").read_bytes(), HINT
