"""`armada-server` (also `python -m armada_adapters`): parse the command line, run.

Exit codes: 0 after a clean shutdown, 2 when the configuration or the start-up
fails (one line on stderr, never a traceback), 1 for anything unforeseen.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import sys
from collections.abc import Sequence

from armada_adapters.grpc.request_id import RequestIdFilter
from armada_adapters.server.bootstrap import StartupError, run
from armada_adapters.server.config import DEFAULT_SQLITE_PATH, ServerConfig

EXIT_CONFIG = 2
DEFAULT = ServerConfig()
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


EPILOG = f"""\
without a config file the server listens on gRPC port {DEFAULT.grpc_port} and REST port \
{DEFAULT.http_port} on all interfaces, keeps its data in ./{DEFAULT_SQLITE_PATH} (SQLite, \
made in the current folder) and lets everyone in as 'anonymous'. Override the ports with \
grpcPort/httpPort in the config file or ARMADA_GRPCPORT/ARMADA_HTTPPORT, the data folder \
with storage.sqlite.path; see "Configuration" in README.md."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: `--config PATH`, `--log-level LEVEL`, `--version`."""
    parser = argparse.ArgumentParser(
        prog="armada-server",
        description="Armada's public API (gRPC and REST) with embedded storage.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--config", metavar="PATH", help="YAML config file (default: $ARMADA_CONFIG, else none)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (default INFO)",
    )
    return parser.parse_args(argv)


def _version() -> str:
    try:
        return importlib.metadata.version("armada-py")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


def configure_logging(level: str) -> None:
    """Log lines to stderr, each with the request id of the call it belongs to."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGINT/SIGTERM; returns the process exit code."""
    args = parse_args(argv)
    configure_logging(args.log_level)
    try:
        run(args.config)
    except StartupError as exc:
        print(f"armada-server: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
