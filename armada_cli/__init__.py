"""armadactl: Armada's command-line client over the public gRPC API (an outer layer)."""
