"""Job events and the ids of Armada's event stream.

An append to a job set's log is one *entry* (like one Redis stream entry); an
entry holds one or more events. A message id is `<ms>:<seq>:<index>:<last>`:
`ms-seq` orders entries within a job set, `index` is the event's position in its
entry and `last` is 1 for the entry's final event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.jobs import Job


class EventKind(StrEnum):
    """Event kinds, named as the cases of Armada's `EventMessage` oneof."""

    SUBMITTED = "submitted"
    QUEUED = "queued"
    LEASED = "leased"
    LEASE_RETURNED = "lease_returned"
    LEASE_EXPIRED = "lease_expired"
    PENDING = "pending"
    RUNNING = "running"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    REPRIORITIZED = "reprioritized"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    UTILISATION = "utilisation"
    INGRESS_INFO = "ingress_info"
    REPRIORITIZING = "reprioritizing"
    PREEMPTED = "preempted"
    PREEMPTING = "preempting"


@dataclass(frozen=True, slots=True)
class Event:
    """One job event.

    `fields` holds the kind's own fields by their proto names (for example
    `requestor`, `reason`, `new_priority`, `cluster_id`); `job` is set only on
    `submitted` events.
    """

    kind: EventKind
    job_id: str
    created_ns: int
    fields: Mapping[str, Any] = field(default_factory=dict)
    job: Job | None = None


_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}
_AFTER_ENTRY = 1 << 62  # an index beyond any entry's last event
_INT64_MAX = 2**63 - 1
_INT64_DIGITS = len(str(_INT64_MAX))


class EventId(NamedTuple):
    """The position of one event in its job set's log (ordered as one: a tuple, which a
    replay makes one of per event in half the time a frozen dataclass takes)."""

    ms: int
    seq: int
    index: int  # type: ignore[assignment]  # the field hides `tuple.index`, unused here
    last: bool

    def __str__(self) -> str:
        return f"{self.ms}:{self.seq}:{self.index}:{int(self.last)}"

    @property
    def resume_key(self) -> tuple[int, int, int]:
        """Events strictly after this key follow this id (reads are exclusive)."""
        return (self.ms, self.seq, _AFTER_ENTRY if self.last else self.index)

    @classmethod
    def parse(cls, text: str) -> EventId | None:
        """Parse a client's `from_message_id`; `""` means from the start (None).

        Accepts the 4-part form (last part a Go bool) and the legacy Redis id
        `ms-seq`, which stands for the whole entry.
        """
        if text == "":
            return None
        try:
            return _parse(text)
        except (ValueError, KeyError):
            raise InvalidArgument(
                f"from_message_id is not a valid message id: {shown(repr(text))}"
            ) from None


def _parse(text: str) -> EventId:
    parts = text.split(":")
    if len(parts) == 1:
        ms, seq = text.split("-")
        return EventId(_uint(ms), _uint(seq), 0, True)
    if len(parts) != 4:
        raise ValueError(text)
    ms, seq, index, last = parts
    if last not in _TRUE and last not in _FALSE:
        raise ValueError(text)
    return EventId(_uint(ms), _uint(seq), _uint(index), last in _TRUE)


def _uint(text: str) -> int:
    """A part of an id: storage keeps them as int64, so larger ones are malformed."""
    if not text.isdigit() or not text.isascii() or len(text) > _INT64_DIGITS:
        raise ValueError(text)
    value = int(text)
    if value > _INT64_MAX:
        raise ValueError(text)
    return value


class StoredEvent:
    """An event as read back from the log, with its id and job set.

    A backend that keeps events as wire bytes (`ports.EventCodec`) gives them as they
    are: `encoded` is the event's `api.EventMessage` bytes and, for a `submitted`
    event, `pod_spec` its job's stored pod spec bytes, which belong in the job the
    bytes carry without one. `event` is then decoded the first time it is asked for:
    a transport that sends the bytes never pays for it. Read-only once made.
    """

    __slots__ = ("_decode", "_event", "encoded", "id", "job_set_id", "pod_spec", "queue")

    id: EventId
    queue: str
    job_set_id: str
    encoded: bytes | None
    pod_spec: bytes | None

    def __init__(
        self,
        id: EventId,
        queue: str,
        job_set_id: str,
        event: Event | None = None,
        *,
        encoded: bytes | None = None,
        pod_spec: bytes | None = None,
        decode: Callable[[], Event] | None = None,
    ) -> None:
        if event is None and decode is None:
            raise TypeError("a stored event needs its event or a way to decode it")
        self.id = id
        self.queue = queue
        self.job_set_id = job_set_id
        self.encoded = encoded
        self.pod_spec = pod_spec
        self._event = event
        self._decode = decode

    @property
    def event(self) -> Event:
        """The event (decoded from `encoded` on first use, then kept)."""
        event = self._event
        if event is None:
            assert self._decode is not None
            event = self._event = self._decode()
            self._decode = None
        return event

    def _key(self) -> tuple[EventId, str, str, Event]:
        return (self.id, self.queue, self.job_set_id, self.event)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredEvent):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.id, self.queue, self.job_set_id))

    def __repr__(self) -> str:
        return (
            f"StoredEvent(id={self.id!r}, queue={self.queue!r}, "
            f"job_set_id={self.job_set_id!r}, event={self.event!r})"
        )
