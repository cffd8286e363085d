"""The README's CLI quick tour, run against the real server: each `$ armadactl ...` of
its example output is run in order and must print what the README shows (job ids and
timestamps aside). `examples/job.yaml` is the file it submits."""

from __future__ import annotations

import re
import shlex

import pytest
from cli_support import REPO, Armadactl, unstamped

JOB_ID = re.compile(r"\b[0-9a-z]{26}\b")


def _tour() -> list[tuple[list[str], str]]:
    """(arguments, expected output) of each command of the README's example output."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## CLI quick tour", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```text\n(.*?)```", section, re.S)
    steps: list[tuple[list[str], str]] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ armadactl "):
            steps.append((shlex.split(line[len("$ armadactl ") :]), ""))
        else:
            args, out = steps[-1]
            steps[-1] = (args, out + line)
    return steps


def _normal(text: str) -> str:
    return JOB_ID.sub("<id>", unstamped(text))


def test_the_readme_tour_prints_what_it_shows(
    armadactl: Armadactl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the tour names examples/job.yaml from the repository root
    steps = _tour()
    assert [args[0] for args, _ in steps] == ["create", "submit", "cancel", "watch"]
    for args, expected in steps:
        result = armadactl(*args)
        assert result.code == 0, (args, result.err)
        assert _normal(result.out) == _normal(expected), args
