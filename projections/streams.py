"""The stream catalogue: every stream in the log, its version and its last change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Column, Integer, String, Table, select
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata, upsert

stream_heads = Table(
    "stream_heads",
    metadata,
    Column("stream_id", String(200), primary_key=True),
    Column("category", String(100), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("last_position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("last_type", String(100), nullable=False),
    Column("updated_at", String(32), nullable=False),
)


def category(stream_id: str) -> str:
    """The aggregate kind of a stream: `coalition-7` belongs to `coalition`."""
    return stream_id.split("-", 1)[0]


class StreamCatalogue(Projection):
    """Keeps one row per stream: what kind it is, how far it has got, when it last changed."""

    name = "streams"
    tables = (stream_heads,)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Write each stream's latest event of the batch."""
        latest = {event.stream_id: event for event in events}
        upsert(
            connection,
            stream_heads,
            [
                {
                    "stream_id": event.stream_id,
                    "category": category(event.stream_id),
                    "version": event.version,
                    "last_position": event.position,
                    "last_type": event.type,
                    "updated_at": format_time(event.recorded_at),
                }
                for event in latest.values()
            ],
            key=("stream_id",),
        )


def seen_version(connection: Connection, stream_id: str) -> int:
    """The stream's version as the read models know it (0 if they have not seen it).

    Read before the rows it labels, so that an ETag is never newer than the body it goes with.
    """
    version = connection.execute(select(stream_heads.c.version).where(stream_heads.c.stream_id == stream_id)).scalar()
    return int(version or 0)
