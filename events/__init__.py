"""The event log: event types, the hash-chained store, export and import."""

from events.conditions import AppendCondition
from events.engine import create_engine
from events.errors import (
    ConcurrencyConflict,
    EmptyAppend,
    EventStoreError,
    ImportRefused,
    InvalidPayload,
    UnknownEventType,
    WriterBusy,
    WriterQueueTimeout,
)
from events.hashing import GENESIS
from events.listen import Listener, follow
from events.records import NO_STREAM, AppendResult, Metadata, NewEvent, RecordedEvent, VerifyReport
from events.registry import Registry
from events.store import EventStore
from events.transfer import export_events, import_events
from events.writer import GroupCommitStore

__all__ = [
    "GENESIS",
    "NO_STREAM",
    "AppendCondition",
    "AppendResult",
    "ConcurrencyConflict",
    "EmptyAppend",
    "EventStore",
    "EventStoreError",
    "GroupCommitStore",
    "ImportRefused",
    "InvalidPayload",
    "Listener",
    "Metadata",
    "NewEvent",
    "RecordedEvent",
    "Registry",
    "UnknownEventType",
    "VerifyReport",
    "WriterBusy",
    "WriterQueueTimeout",
    "create_engine",
    "export_events",
    "follow",
    "import_events",
]
