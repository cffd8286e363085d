"""Transport adapters: gRPC (grpclib) and REST (Starlette) around armada_core."""
