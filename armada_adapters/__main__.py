"""`python -m armada_adapters`: the reference server, as `armada-server`."""

from __future__ import annotations

import sys

from armada_adapters.server.main import main

if __name__ == "__main__":
    sys.exit(main())
