"""Starting and stopping one container's process, as an unprivileged process group.

Each container is the leader of a new session, so a signal to its process group reaches
everything it started. The child asks the kernel to kill it when the executor dies
(`PR_SET_PDEATHSIG`), after it switched user, since a credential change clears that
setting. Memory is capped with `RLIMIT_AS` where no cgroup does it.

Where util-linux's `setpriv` and `prlimit` exist, they do the user switch, the
parent-death signal and the limit between fork and exec: the executor then starts no
Python code in the child, so CPython can use vfork, which does not copy the executor's
memory map and does not keep the event loop waiting for the child (a fork of a large
process costs milliseconds per job). Otherwise a `preexec_fn` does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import os
import pwd
import resource
import shutil
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PR_SET_PDEATHSIG = 1
SETPRIV = shutil.which("setpriv")
PRLIMIT = shutil.which("prlimit")
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


@dataclass(frozen=True, slots=True)
class RunAs:
    """The account jobs run as: never root."""

    uid: int
    gid: int

    @classmethod
    def for_executor(cls, user: str) -> RunAs | None:
        """`user` when the executor is root; None (run as the executor itself) otherwise."""
        if os.geteuid() != 0:
            return None
        try:
            account = pwd.getpwnam(user)
        except KeyError:
            raise ValueError(f"local.runAsUser {user!r} is not a user of this machine") from None
        if account.pw_uid == 0:
            raise ValueError("local.runAsUser must not be root: jobs never run as root")
        return cls(account.pw_uid, account.pw_gid)


class StartError(Exception):
    """The program could not be started; the message names it and says why."""


class TransientStartError(StartError):
    """The machine could not start it now (out of processes, memory or files)."""


# What fork/exec fail with when the machine, not the job, is the problem.
TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.ENOMEM, errno.EMFILE, errno.ENFILE})


def _child_setup(memory_limit: int | None) -> Callable[[], None]:
    def setup() -> None:  # runs in the child between fork and exec: no locks, no allocation
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the executor died before prctl took effect
            os._exit(137)
        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    return setup


def resolve(argv0: str, env: Mapping[str, str], cwd: str) -> str:
    """The program's path as exec would find it; StartError if there is none."""
    if "/" in argv0:
        path = argv0 if os.path.isabs(argv0) else os.path.join(cwd, argv0)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise StartError(f"{argv0}: no such executable file")
    found = shutil.which(argv0, path=env.get("PATH", ""))
    if found is None:
        raise StartError(f'exec: "{argv0}": executable file not found in $PATH')
    return found


async def spawn(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str,
    run_as: RunAs | None,
    memory_limit: int | None,
    before: Sequence[str] = (),
) -> asyncio.subprocess.Process:
    """Start `argv` (its program already resolved) in a new session, output on one pipe.

    `before`: words run first, as the executor's user (joining a cgroup); they need the
    `setpriv` launcher, since without it the user changes before anything runs.
    """
    prefix = launcher(run_as, memory_limit)
    if prefix is not None:
        options: dict[str, Any] = {}
    else:
        options = {"preexec_fn": _child_setup(memory_limit)}
        if run_as is not None:
            options.update(user=run_as.uid, group=run_as.gid, extra_groups=[])
    try:
        return await asyncio.create_subprocess_exec(
            *before,
            *(prefix or ()),
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            **options,
        )
    except OSError as exc:
        kind = TransientStartError if exc.errno in TRANSIENT_ERRNOS else StartError
        raise kind(f"{argv[0]}: {exc.strerror or exc}") from None


def launcher(run_as: RunAs | None, memory_limit: int | None) -> list[str] | None:
    """The `setpriv`/`prlimit` words that prepare the child, None where they are missing."""
    if SETPRIV is None or (memory_limit is not None and PRLIMIT is None):
        return None
    words = [SETPRIV, "--pdeathsig=KILL"]
    if run_as is not None:
        words += [f"--reuid={run_as.uid}", f"--regid={run_as.gid}", "--clear-groups"]
    if memory_limit is not None:
        words += [str(PRLIMIT), f"--as={memory_limit}", "--"]
    return words


def signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to a process group; False if the group is gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a member changed user; the group still exists
    return True


async def stop_group(process: asyncio.subprocess.Process, grace_seconds: float) -> None:
    """SIGTERM to the group, `grace_seconds` for it to leave, then SIGKILL."""
    pgid = process.pid
    if signal_group(pgid, signal.SIGTERM):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace_seconds)
    signal_group(pgid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    """Whether a member of the group still runs: zombies waiting for a reaper do not."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and _running_member(entry.name, pgid):
            return True
    return False


def _running_member(pid: str, pgid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in ("Z", "X") and int(fields[2]) == pgid


async def wait_group_gone(pgid: int, timeout: float) -> None:
    """Wait until a group sent SIGKILL has left, so its end is reported after it ended.

    SIGKILL is delivered when the member is next scheduled: on a busy machine a member can
    still run for milliseconds after the signal was sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while group_alive(pgid) and loop.time() < deadline:
        await asyncio.sleep(0.005)


def exit_code(returncode: int) -> int:
    """A return code as Kubernetes reports it: 128 + signal for a killed process."""
    return 128 - returncode if returncode < 0 else returncode
