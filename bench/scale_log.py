"""A large log of signatures, written fast: real `StatementSigned` rows, real hash chain, COPY in batches.

What is real: the table (the app's migrations), the event type and its payload fields, the personal
fields sealed with `events.personal.seal_payload` under per-person AES keys kept in `person_keys`
(so the real store opens them on read), the canonical JSON of chain format 2, each row's hash
chained to the one before (`chain.hash`), contiguous positions and per-stream versions.
What is synthetic: the world. Statements, coalitions, organisations and signers are random ids, no
`StatementDrafted`/`StatementOpened` precedes the signatures, and an organisation may sign one
statement more than once. Memory stays flat: one batch of rows at a time, plus the keys.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coalition.domain import coalition, departure, organisation, statement, work  # noqa: F401  (register event types)
from coalition.domain.event_types import registry
from events.hashing import LATEST
from events.personal import seal_payload
from events.sql import COLUMNS

EVENT_TYPE = "StatementSigned"
#: A statement collects about this many signatures; statements run side by side (interleaved in the log).
EVENTS_PER_STATEMENT = 1000
#: Statements per coalition.
STATEMENTS_PER_COALITION = 100
TITLES = ("Executive Director", "Chair of the Board", "Coordinator", "President", "Head of Advocacy")
FIRST = ("Ana", "Mihai", "Elena", "Andrei", "Ioana", "Katarzyna", "Juhani", "Petya", "Zsófia", "Maria")
LAST = ("Popescu", "Ionescu", "Kowalska", "Virtanen", "Petrova", "Nagy", "Dumitrescu", "Constantin")


def hex_id(rng: random.Random) -> str:
    """An id as the handlers make them (uuid4().hex), from the seeded generator."""
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


@dataclass(frozen=True, slots=True)
class Signer:
    """One organisation's signer: ids, name and title, and the person's key."""

    organisation_id: str
    user_id: str
    name: str
    title: str
    key: bytes


@dataclass(slots=True)
class Filled:
    """What the fill wrote and what it took."""

    events: int
    seconds: float
    payload_bytes: int
    metadata_bytes: int
    head: int
    streams: int
    signers: int
    sample_streams: list[str]

    @property
    def events_per_second(self) -> float:
        """Fill throughput."""
        return self.events / self.seconds if self.seconds > 0 else float("inf")


class SignatureLog:
    """Generates the rows after a given head: statements round robin at random, signers from a fixed pool."""

    def __init__(self, total: int, head: int, previous: str, last_time: str, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.total = total
        self.position = head
        self.previous = previous
        statements = max(1, total // EVENTS_PER_STATEMENT)
        coalitions = [hex_id(self.rng) for _ in range(max(1, statements // STATEMENTS_PER_COALITION))]
        # (stream id, statement id, coalition id, version hash, version so far)
        self.statements = [
            [f"statement-{sid}", sid, coalitions[i % len(coalitions)], self.rng.randbytes(32).hex(), 0]
            for i, sid in enumerate(hex_id(self.rng) for _ in range(statements))
        ]
        # Fewer signers than the sealing's cached ciphers (4096): one signer per organisation.
        self.signers = [
            Signer(
                hex_id(self.rng),
                hex_id(self.rng),
                f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
                self.rng.choice(TITLES),
                AESGCM.generate_key(bit_length=256),
            )
            for _ in range(min(4000, max(1, total // 10)))
        ]
        start = datetime.fromisoformat(last_time) if last_time else datetime(2027, 1, 1, tzinfo=UTC)
        self.clock = start
        self.personal = registry.personal.of(EVENT_TYPE)
        if self.personal is None:
            raise RuntimeError(f"{EVENT_TYPE} declares no personal fields: the generator no longer matches the app")

    def key_rows(self, now: str) -> list[tuple[str, bytes, str]]:
        """The `person_keys` rows of the signers."""
        return [(s.user_id, s.key, now) for s in self.signers]

    def batches(self, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of `COLUMNS`, `size` at a time, until `total` are written."""
        written = 0
        while written < self.total:
            count = min(size, self.total - written)
            yield [self._row() for _ in range(count)]
            written += count

    def _row(self) -> tuple[Any, ...]:
        """One signature: a random statement, a random signer, 0.5 ms after the one before."""
        chosen = self.statements[self.rng.randrange(len(self.statements))]
        stream, statement_id, coalition_id, version_hash, version = chosen
        chosen[4] = version = version + 1
        signer = self.signers[self.rng.randrange(len(self.signers))]
        payload = {
            "coalition_id": coalition_id,
            "statement_id": statement_id,
            "organisation_id": signer.organisation_id,
            "user_id": signer.user_id,
            "signer_name": signer.name,
            "signer_title": signer.title,
            "version_hash": version_hash,
        }
        assert self.personal is not None
        sealed = seal_payload(self.personal, stream, EVENT_TYPE, payload, signer.user_id, lambda _s: signer.key)
        payload_text = LATEST.canonical(sealed)
        metadata_text = LATEST.canonical(
            {"actor_id": signer.user_id, "organisation_id": signer.organisation_id, "correlation_id": hex_id(self.rng)}
        )
        self.clock += timedelta(microseconds=500)
        recorded_at = self.clock.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.position += 1
        schema_version = registry.latest_version(EVENT_TYPE)
        row = (self.position, stream, version, EVENT_TYPE, schema_version, payload_text)
        self.previous = LATEST.hash(self.previous, *row, metadata_text, recorded_at)
        return (*row, metadata_text, recorded_at, self.previous)


def fill(
    conninfo: str, schema: str, total: int, batch: int = 20_000, progress: Callable[[str], None] | None = None
) -> Filled:
    """Append `total` signatures after the log's head in `schema`, one COPY (and commit) per batch."""
    start = time.perf_counter()
    with psycopg.connect(conninfo, options=f"-csearch_path={schema}") as connection:
        last = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
        row = connection.execute(last).fetchone()
        head, previous, last_time = (row[0], row[1], row[2]) if row else (0, LATEST.genesis, "")
        log = SignatureLog(total, head, previous, last_time)
        keys = "COPY person_keys (subject, key, created_at) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(keys) as copy:
            for key_row in log.key_rows(last_time or "2027-01-01T00:00:00.000000Z"):
                copy.write_row(key_row)
        connection.commit()
        payload_bytes = metadata_bytes = written = 0
        for rows in log.batches(batch):
            with connection.cursor() as cursor, cursor.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
            connection.commit()
            written += len(rows)
            payload_bytes += sum(len(values[5].encode()) for values in rows)
            metadata_bytes += sum(len(values[6]) for values in rows)
            if progress is not None and written % (batch * 25) == 0:
                rate = written / (time.perf_counter() - start)
                progress(f"filled {written:,} of {total:,} events ({rate:,.0f} events/s)")
    return Filled(
        written,
        time.perf_counter() - start,
        payload_bytes,
        metadata_bytes,
        log.position,
        len(log.statements),
        len(log.signers),
        [chosen[0] for chosen in log.statements[:: max(1, len(log.statements) // 20)][:20]],
    )
