"""The wire schema: protobuf descriptors of Armada's API and classes built from them."""
