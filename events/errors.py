"""Errors the event store raises; each says what is wrong and what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class EventStoreError(Exception):
    """Base class of every error raised by the event store."""


class UnknownEventType(EventStoreError):
    """An event type (or a schema version of it) is not registered."""

    def __init__(self, type_name: str, version: int | None = None) -> None:
        self.type_name = type_name
        self.version = version
        which = f"{type_name!r}" if version is None else f"{type_name!r} version {version}"
        super().__init__(f"unknown event type {which}: register a schema for it before appending")


class InvalidPayload(EventStoreError):
    """A payload does not match the schema registered for its event type."""

    def __init__(self, type_name: str, fields: Mapping[str, Any]) -> None:
        self.type_name = type_name
        self.fields = dict(fields)
        listed = "; ".join(f"{name}: {_flatten(msg)}" for name, msg in sorted(self.fields.items()))
        super().__init__(f"invalid payload for {type_name}: {listed}")


class ConcurrencyConflict(EventStoreError):
    """A stream was not at the version the command was decided on."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        wanted = "not to exist" if expected == 0 else f"to be at version {expected}"
        found = "it does not exist" if actual == 0 else f"it is at version {actual}"
        super().__init__(f"stream {stream_id!r} was expected {wanted}, but {found}: reload and try again")


class EmptyAppend(EventStoreError):
    """An append was asked for with no events."""

    def __init__(self) -> None:
        super().__init__("an append needs at least one event")


class WriterBusy(EventStoreError):
    """The writer's queue is full: the append was refused at once, nothing was recorded; try again later.

    The web edge answers it 503 with Retry-After (`retry_after`, seconds): a burst larger than the
    queue is told to come back rather than kept waiting without bound.
    """

    def __init__(self, waiting: int, retry_after: int = 1) -> None:
        self.waiting = waiting
        self.retry_after = retry_after
        super().__init__(
            f"the store's writer queue is full ({waiting} appends waiting): nothing was recorded; "
            f"try again in {retry_after} s"
        )


class WriterQueueTimeout(WriterBusy):
    """A SQLite writer waited its whole bound for its turn in the writers' queue (events/turns.py): refused, nothing
    recorded; 503 with Retry-After at the edge, as for a full queue."""

    def __init__(self, ahead: int, waited: float, retry_after: int = 1) -> None:
        super().__init__(ahead, retry_after)
        self.args = (
            f"the store's writer queue is full: waited {waited:g} s for a turn with {ahead} writers still ahead; "
            f"nothing was recorded; try again in {retry_after} s",
        )


class ImportRefused(EventStoreError):
    """An import was refused; nothing was written."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        self.position = position
        self.reason = reason
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"import refused{where}: {reason}")


def _flatten(message: Any) -> str:
    """Turn a marshmallow message (str, list or nested dict) into one line."""
    if isinstance(message, str):
        return message
    if isinstance(message, Mapping):
        return ", ".join(f"{k}: {_flatten(v)}" for k, v in message.items())
    return " ".join(_flatten(m) for m in message)
