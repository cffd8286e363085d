"""Who is calling: the result of authentication, as the core sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

EVERYONE = "everyone"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    Every principal is in the group `everyone`, whatever the auth method; the
    constructor adds it so no backend can forget.
    """

    name: str
    auth_method: str = "Anonymous"
    groups: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    claims: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if EVERYONE not in self.groups:
            object.__setattr__(self, "groups", frozenset(self.groups) | {EVERYONE})

    @property
    def sorted_groups(self) -> list[str]:
        """Groups in the order Armada reports them (sorted)."""
        return sorted(self.groups)


ANONYMOUS = Principal(name="anonymous", auth_method="Anonymous")
