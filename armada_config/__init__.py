"""The config policy every component reads its section with (stdlib + armada_core only).

`policy`: keys matched ignoring case, Armada's unused keys warned, others refused with
their path, typed leaves (`read_section`, the helper plugins use); `durations`: Go's
duration syntax. The server's schema lives in `armada_adapters.server.config`; this
package sits below it so `armada_auth` and `armada_storage` need not import the adapters.
"""
