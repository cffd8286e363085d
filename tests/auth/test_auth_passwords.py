"""Stored password hashes and the `python -m armada_auth.hash_password` helper."""

from __future__ import annotations

import io

import pytest

from armada_auth import hash_password as cli
from armada_auth.config import ConfigError
from armada_auth.passwords import PREFIX, hash_password, is_hashed, parse_hash


def test_hash_round_trip_and_fresh_salt() -> None:
    first = hash_password("pw", iterations=1000)
    second = hash_password("pw", iterations=1000)
    assert first != second
    assert first.startswith(f"{PREFIX}$1000$") and is_hashed(first)
    parsed = parse_hash(first)
    assert parsed.verify("pw") and not parsed.verify("pw ")
    assert parsed.encode() == first


@pytest.mark.parametrize(
    "stored",
    [
        f"{PREFIX}$",
        f"{PREFIX}$10$c2FsdA==",
        f"{PREFIX}$ten$c2FsdA==$aGFzaA==",
        f"{PREFIX}$0$c2FsdA==$aGFzaA==",
        f"{PREFIX}$10$!!$aGFzaA==",
        f"{PREFIX}$10$$aGFzaA==",
    ],
)
def test_malformed_hashes_are_config_errors(stored: str) -> None:
    with pytest.raises(ConfigError, match="malformed"):
        parse_hash(stored)


def test_plain_text_is_not_a_hash() -> None:
    assert not is_hashed("pbkdf2_sha256")
    assert not is_hashed("hunter2")


def test_cli_reads_stdin_and_prints_a_verifiable_hash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert cli.main(["--iterations", "1000"]) == 0
    printed = capsys.readouterr().out.strip()
    assert parse_hash(printed).verify("s3cret")


def test_cli_refuses_an_empty_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert cli.main([]) == 2
