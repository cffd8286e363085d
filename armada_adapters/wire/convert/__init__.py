"""Pure conversions between core values and Go-JSON dicts (the shapes `to_json` emits).

Requests arrive as dicts normalised by `from_json` + `to_json`; responses leave as
dicts that `from_json` accepts and `to_json` reproduces unchanged. Field names are
the schema's `json_name`s; zero values are left out as Go's `omitempty` does.
"""
