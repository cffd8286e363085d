"""gRPC adapter (grpclib)."""
