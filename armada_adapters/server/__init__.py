"""The reference server: configuration, composition root and command line."""
