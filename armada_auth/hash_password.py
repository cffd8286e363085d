"""`python -m armada_auth.hash_password`: print a hash for `basicAuth.users.<u>.password`.

The password is read from the terminal without echo (or from stdin when piped), never
from the command line, so it does not land in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from armada_auth.passwords import DEFAULT_ITERATIONS, hash_password


def main(argv: Sequence[str] | None = None) -> int:
    """Read a password, print its `pbkdf2_sha256$...` form; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m armada_auth.hash_password")
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    args = parser.parse_args(argv)
    password = _read_password()
    if not password:
        print("empty password refused", file=sys.stderr)
        return 2
    print(hash_password(password, iterations=args.iterations))
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


if __name__ == "__main__":
    sys.exit(main())
