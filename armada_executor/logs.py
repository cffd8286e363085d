"""Container logs: one file per container under the run's log directory, bounded.

Lines are stored as the kubelet stores them with `timestamps=true`: an RFC 3339 time
with nanoseconds, a space, the line. A file stops growing at its size limit (one marker
line says so); the last lines stay in memory for the failure message. Log directories are
`<logs>/<job id>/<run id>/<container>.log`, so a job's logs are found by its id.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from armada_executor.workspace import path_component

TAIL_LINES = 20
CHUNK = 65536
MAX_LINE = 16384  # longer lines are cut, as the kubelet splits them
TRUNCATED = "[log truncated: the container wrote more than this executor keeps]"


def timestamp(now: float | None = None) -> str:
    """RFC 3339 with nanoseconds in UTC, as Kubernetes log lines carry."""
    ns = time.time_ns() if now is None else int(now * 1e9)
    seconds, nanos = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


class LogWriter:
    """Appends a container's output to its file, keeping the last lines in memory."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._file = path.open("ab", buffering=0)
        self._left = max_bytes
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)

    def write_lines(self, lines: list[str]) -> None:
        stamp = timestamp()
        self.tail.extend(lines)
        data = "".join(f"{stamp} {line}\n" for line in lines).encode("utf-8", "replace")
        if self._left <= 0:
            return
        if len(data) > self._left:
            data = data[: self._left].rsplit(b"\n", 1)[0] + f"\n{stamp} {TRUNCATED}\n".encode()
        self._left -= len(data)
        self._file.write(data)

    def note(self, line: str) -> None:
        """A line from the executor itself (e.g. why a container could not start)."""
        self.write_lines([line])

    def close(self) -> None:
        self._file.close()

    def tail_text(self) -> str:
        return "\n".join(self.tail)


async def pump(stream: asyncio.StreamReader, writer: LogWriter) -> None:
    """Copy a process's output into its log, line by line, until EOF."""
    pending = b""
    while chunk := await stream.read(CHUNK):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        while len(pending) > MAX_LINE:
            complete.append(pending[:MAX_LINE])
            pending = pending[MAX_LINE:]
        if complete:
            writer.write_lines([line.decode("utf-8", "replace") for line in complete])
    if pending:
        writer.write_lines([pending.decode("utf-8", "replace")])


@dataclass(frozen=True, slots=True)
class LogLine:
    timestamp: str
    line: str


class LogStore:
    """The log directories of every run, with retention by count and age."""

    def __init__(self, root: Path, max_runs: int, max_age_seconds: float) -> None:
        self.root = root
        self._max_runs = max_runs
        self._max_age = max_age_seconds

    def run_dir(self, job_id: str, run_id: str) -> Path:
        return self.root / path_component(job_id) / path_component(run_id)

    def latest_run(self, job_id: str) -> Path | None:
        """The log directory of the job's most recent run, None if it has none."""
        job_dir = self.root / path_component(job_id)
        runs = [p for p in job_dir.iterdir() if p.is_dir()] if job_dir.is_dir() else []
        return max(runs, key=lambda p: p.stat().st_mtime, default=None)

    def prune(self, now: float | None = None) -> int:
        """Delete the logs of runs beyond the count or older than the age; how many went."""
        now = time.time() if now is None else now
        runs = sorted(self._runs(), key=lambda item: item[0], reverse=True)
        doomed = [
            path
            for i, (mtime, path) in enumerate(runs)
            if i >= self._max_runs or now - mtime > self._max_age
        ]
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        return len(doomed)

    def _runs(self) -> Iterator[tuple[float, Path]]:
        if not self.root.is_dir():
            return
        for job_dir in self.root.iterdir():
            for run_dir in job_dir.iterdir() if job_dir.is_dir() else ():
                yield run_dir.stat().st_mtime, run_dir


def read_log(path: Path, since: str = "", tail: int | None = None) -> list[LogLine]:
    """The lines of one log file, those at or after `since` (an RFC 3339 time), the last `tail`."""
    found: deque[LogLine] = deque(maxlen=tail if tail else None)
    with path.open("r", encoding="utf-8", errors="replace") as file:
        for raw in file:
            line = parse_line(raw)
            if line.timestamp >= since:
                found.append(line)
    return list(found)


def parse_line(raw: str) -> LogLine:
    stamp, _, text = raw.rstrip("\n").partition(" ")
    return LogLine(stamp, text)


def container_logs(run_dir: Path) -> list[Path]:
    """The log files of a run, init containers first (they were created first)."""
    return sorted(run_dir.glob("*.log"), key=lambda p: p.stat().st_ctime_ns)
