"""`python -m armada_cli` runs armadactl."""

from armada_cli.main import main

main()
