"""What goes into the store and what comes out of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Expected version meaning "this stream must not exist yet".
NO_STREAM = 0


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who did it, for whom, and as part of what: recorded with every event of a command."""

    actor_id: str | None = None
    organisation_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    request_id: str | None = None  # the caller's own X-Request-Id, as they sent it: never our correlation id

    def to_json(self) -> dict[str, str]:
        """The stored form: only the fields that are set (read field by field: `asdict` deep-copies, 10× slower)."""
        return {k: v for k in self.__slots__ if (v := getattr(self, k)) is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Metadata:
        """Read the stored form back."""
        return cls(
            **{k: data.get(k) for k in ("actor_id", "organisation_id", "correlation_id", "causation_id", "request_id")}
        )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event a command wants to record, before it has a position."""

    stream_id: str
    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: its place in the log, its payload read as the latest schema version."""

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    payload: dict[str, Any]
    metadata: Metadata
    recorded_at: datetime
    hash: str


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: the positions it took and each written stream's new version."""

    first_position: int
    last_position: int
    versions: dict[str, int]
    head_hash: str
    replayed: bool = False

    def to_json(self) -> str:
        """The form kept with an idempotency key."""
        return json.dumps(
            {
                "first_position": self.first_position,
                "last_position": self.last_position,
                "versions": self.versions,
                "head_hash": self.head_hash,
            }
        )

    @classmethod
    def from_json(cls, text: str, replayed: bool = True) -> AppendResult:
        """Read the form kept with an idempotency key."""
        return cls(**json.loads(text), replayed=replayed)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of recomputing the hash chain."""

    count: int
    head_hash: str
    broken_position: int | None = None
    reason: str | None = None
    log_format: int = 1  # the chain format the log records

    @property
    def ok(self) -> bool:
        """True when every event's hash matched."""
        return self.broken_position is None
