"""`python -m armada_executor`: the local executor, as `armada-executor`."""

from __future__ import annotations

import sys

from armada_executor.main import main

if __name__ == "__main__":
    sys.exit(main())
