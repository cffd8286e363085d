"""Config contexts (§4, §13) and how the connection is chosen (§2), without a server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
import pytest
import yaml
from cli_support import Armadactl, closed_port

from armada_cli.config import DEFAULT_URL, NO_CONTEXT_NOTICE, load
from armada_cli.credentials import provider_for
from armada_cli.errors import CliError
from armada_cli.main import cli

TEST_CONFIG = {
    "currentContext": "main",
    "contexts": {
        "main": {"armadaUrl": "main.armadaproject.io:443"},
        "test": {
            "armadaUrl": "test.armadaproject.io:443",
            "basicAuth": {"username": "u", "password": "p"},
        },
    },
    "kubectlCommandTemplate": "kubectl {{cmd}} {{pod}}",
}


@pytest.fixture
def offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Armadactl:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("ARMADAURL", "CURRENTCONTEXT"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "test_config.yaml"
    config.write_text(yaml.safe_dump(TEST_CONFIG))
    return Armadactl(config, capsys)


def test_contexts_as_in_the_example_session(offline: Armadactl) -> None:
    assert offline("config", "get-contexts").out == "Available contexts: main (current), test\n"
    assert offline("config", "current-context").out == "Current context: main\n"
    assert offline("-c", "test", "config", "current-context").out == "Current context: test\n"
    used = offline("config", "use-context", "test")
    assert (used.code, used.out) == (0, "")  # silent with --config
    written = yaml.safe_load(offline.config.read_text())
    assert written["currentContext"] == "test"
    assert written["kubectlCommandTemplate"] == TEST_CONFIG["kubectlCommandTemplate"]  # kept
    nope = offline("config", "use-context", "nope")
    assert (nope.code, nope.err) == (
        1,
        "Error: unable to use context nope. Context not defined in config.\n",
    )


def test_global_flags_after_the_subcommand(offline: Armadactl, tmp_path: Path) -> None:
    # spec §13 writes `armadactl config get-contexts --config ./test_config.yaml`: cobra's
    # persistent flags go anywhere; the last one given wins
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"currentContext": "x", "contexts": {"x": {}, "y": {}}}))
    listed = offline("config", "get-contexts", "--config", str(other))
    assert listed.out == "Available contexts: x (current), y\n"
    assert offline("config", "current-context", "-c", "test").out == "Current context: test\n"
    assert offline("config", "--context=test", "current-context").out == "Current context: test\n"
    port = closed_port()
    unreachable = offline("get", "queue", "q", "--armadaUrl", f"localhost:{port}")
    assert unreachable.code == 1
    assert unreachable.err.startswith("Error: failed to connect to api because")
    assert str(port) in unreachable.err  # the flag's URL, not the context's


def test_binoculars_url_from_context_top_level_or_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    settings = {**TEST_CONFIG, "binocularsUrl": "top:1"}
    settings["contexts"] = {"main": {"armadaUrl": "a:1", "BinocularsURL": "ctx:2"}, "bare": {}}
    path.write_text(yaml.safe_dump(settings))
    assert load(str(path), {}).connection()[0].binoculars_url == "ctx:2"
    bare = load(str(path), {"BINOCULARSURL": "env:3"}, context_flag="bare")
    assert bare.connection()[0].binoculars_url == "env:3"
    assert load(str(path), {}, context_flag="bare").connection()[0].binoculars_url == "top:1"


def test_use_context_on_the_default_file_says_so(tmp_path: Path, offline: Armadactl) -> None:
    (tmp_path / ".armadactl.yaml").write_text(yaml.safe_dump(TEST_CONFIG))
    offline.capsys.readouterr()
    from armada_cli.main import run

    assert run(["config", "use-context", "test"]) == 0
    assert offline.capsys.readouterr().out == "Current context set to test\n"


def test_missing_config_file(offline: Armadactl, tmp_path: Path) -> None:
    offline.config = tmp_path / "absent.yaml"
    result = offline("config", "get-contexts")
    assert result.err == f"Error: could not find config file {tmp_path / 'absent.yaml'}\n"


def test_url_precedence_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(TEST_CONFIG))
    assert load(str(path), {}).connection()[0].url == "main.armadaproject.io:443"
    # a global URL other than the default wins over the context's
    assert load(str(path), {"ARMADAURL": "env:1"}).connection()[0].url == "env:1"
    assert load(str(path), {}, url_flag="flag:2").connection()[0].url == "flag:2"
    assert (
        load(str(path), {}, url_flag=DEFAULT_URL).connection()[0].url == "main.armadaproject.io:443"
    )
    assert load(str(path), {"CURRENTCONTEXT": "test"}).current_context == "test"
    with pytest.raises(CliError, match="context gone not found under contexts"):
        load(str(path), {}, context_flag="gone").connection()


def test_legacy_form_and_case_insensitive_keys(tmp_path: Path) -> None:
    path = tmp_path / "legacy.yaml"
    path.write_text(
        "ArmadaURL: localhost:4000\nFORCENOTLS: true\nbasicauth: {UserName: x, password: y}\n"
    )
    connection, notice = load(str(path), {}).connection()
    assert notice == NO_CONTEXT_NOTICE
    assert (connection.url, connection.plaintext) == ("localhost:4000", True)
    assert connection.auth["basicauth"]["username"] == "x"


def test_tls_unless_localhost_or_forced(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(TEST_CONFIG))
    assert load(str(path), {}).connection()[0].plaintext is False
    assert load(str(path), {"FORCENOTLS": "true"}, url_flag="x:1").connection()[0].url == "x:1"


def test_basic_and_exec_credentials() -> None:
    asyncio.run(_credentials())


async def _credentials() -> None:
    basic = provider_for({"basicauth": {"username": "user", "password": "password"}}, "h:1")
    assert await basic() == [("authorization", "basic dXNlcjpwYXNzd29yZA==")]
    command = {
        "execauth": {
            "cmd": "sh",
            "args": ["-c", 'echo "  $TOKEN "'],
            "env": [{"name": "TOKEN", "value": "t0k"}],
        }
    }
    assert await provider_for(command, "h:1")() == [("authorization", "Bearer t0k")]
    empty = provider_for({"execauth": {"cmd": "true"}}, "h:1")
    with pytest.raises(CliError, match="command didn't return a token"):
        await empty()
    with pytest.raises(CliError, match=r"openIdAuth \(browser login\) is not supported"):
        provider_for({"openidauth": {"providerurl": "https://idp"}}, "h:1")


def test_kerberos_without_pyspnego_is_one_clear_error() -> None:
    try:
        import spnego  # noqa: F401
    except ImportError:
        with pytest.raises(CliError, match=r"kerberosAuth needs pyspnego: pip install"):
            provider_for({"kerberosauth": {}}, "h:1")
    else:
        assert provider_for({"kerberosauth": {}}, "h:1") is not None


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_help_on_every_command(offline: Armadactl) -> None:
    commands = _commands(cli)
    assert len(commands) > 30
    for words in commands:
        for flag in ("--help", "-h"):
            result = offline(*words, flag)
            assert result.code == 0, words
            assert result.out.startswith("Usage: armadactl"), words


def test_parents_print_help_and_unknown_words_fail(offline: Armadactl) -> None:
    stray = offline("cancel", "junk")
    assert stray.code == 0 and stray.out.startswith("Usage: armadactl cancel")
    assert offline("get").out.startswith("Usage: armadactl get")
    unknown = offline("junk")
    assert unknown.code == 1
    assert unknown.err.splitlines()[0] == 'Error: unknown command "junk" for "armadactl"'
    counted = offline("cancel", "job", "q", "s")
    assert counted.err.splitlines()[0] == "Error: accepts 3 arg(s), received 2"
    assert offline("submit", "--foo").err.splitlines()[0] == "Error: unknown flag: --foo"
    bad = offline("create", "queue", "q", "--priority-factor", "abc")
    assert bad.err.splitlines()[0] == (
        'Error: invalid argument "abc" for "--priority-factor" flag: '
        'strconv.ParseFloat: parsing "abc": invalid syntax'
    )
    required = offline("cancel", "node", "n1", "-a")
    assert required.err.splitlines()[0] == 'Error: required flag(s) "executor" not set'


def test_version(offline: Armadactl) -> None:
    lines = offline("version").lines
    assert [line[:12] for line in lines] == [
        "Version:    ",
        "Commit:     ",
        "Go version: ",
        "Built:      ",
    ]
