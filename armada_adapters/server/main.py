"""`armada-server` (also `python -m armada_adapters`): parse the command line, run.

Exit codes: 0 after a clean shutdown, 2 when the configuration or the start-up
fails (one line on stderr, never a traceback), 1 for anything unforeseen.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from armada_adapters.grpc.request_id import RequestIdFilter
from armada_adapters.server.bootstrap import StartupError, run

EXIT_CONFIG = 2
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: `--config PATH` and `--log-level LEVEL`."""
    parser = argparse.ArgumentParser(
        prog="armada-server",
        description="Armada's public API (gRPC and REST) with embedded storage.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="YAML config file (default: $ARMADA_CONFIG, else none)"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (default INFO)",
    )
    return parser.parse_args(argv)


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
