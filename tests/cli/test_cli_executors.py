"""armadactl's executor and node commands against the reference server (spec §6.2, §7, §9).

The server runs without authentication; what the commands stored is read from its
SQLite file (read-only, beside the running server: WAL lets readers in).
"""

from __future__ import annotations

import sqlite3

from cli_support import Armadactl
from e2e_support import ServerProcess


def _settings(server: ServerProcess) -> list[tuple[str, int, str, str]]:
    path = server.cwd / "armada.db"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT executor_id, cordoned, cordon_reason, set_by_user FROM executor_settings"
        return conn.execute(query + " ORDER BY executor_id").fetchall()
    finally:
        conn.close()


def test_cordon_and_uncordon_an_executor(armadactl: Armadactl, server: ServerProcess) -> None:
    result = armadactl("cordon", "executor", "cli-ex", "kernel upgrade")
    assert (result.code, result.lines) == (
        0,
        ["Cordoning the following executors:", "cli-ex cordoned"],
    )
    assert ("cli-ex", 1, "kernel upgrade", "anonymous") in _settings(server)
    result = armadactl("uncordon", "executor", "cli-ex")
    assert (result.code, result.lines) == (
        0,
        ["Uncordoning the following executors:", "cli-ex uncordoned"],
    )
    assert ("cli-ex", 0, "", "anonymous") in _settings(server)


def test_delete_executor(armadactl: Armadactl) -> None:
    result = armadactl("delete", "executor", "cli-gone")
    assert (result.code, result.out) == (0, "Deleted executor cli-gone (or it did not exist)\n")


def test_cancel_and_preempt_on_executor_and_node(armadactl: Armadactl) -> None:
    assert armadactl("create", "queue", "cli-exq").code == 0
    result = armadactl("cancel", "executor", "cli-ex", "-q", "cli-exq", "-a")
    assert result.code == 0, result.err
    assert result.lines == [
        "Requesting cancellation of jobs matching executor: cli-ex, queues: cli-exq, "
        "priority-classes: all, pools: all"
    ]
    result = armadactl("preempt", "node", "n1", "-e", "cli-ex", "-q", "cli-exq", "-a")
    assert result.code == 0, result.err
    assert result.lines[0].startswith(
        "Requesting preemption of jobs matching node: n1, executor: cli-ex"
    )
    result = armadactl("cancel", "node", "n1", "-e", "cli-ex", "-q", "cli-exq", "-a")
    assert result.code == 0, result.err
    result = armadactl("preempt", "executor", "cli-ex", "-q", "cli-exq", "-a")
    assert result.code == 0, result.err


def test_an_empty_cordon_reason_is_refused_by_the_cli(armadactl: Armadactl) -> None:
    result = armadactl("cordon", "executor", "cli-ex", " ")
    assert result.code == 1
    assert result.err.startswith("Error: provided cordon reason is invalid")
