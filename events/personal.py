"""Crypto-shredding: the personal fields of events are stored encrypted under a key per person, kept outside the log.

The registry says, per event type, which payload fields are personal and which field (or the actor in
the metadata) names the person they belong to (`PersonalFields.declare`). On append the store replaces
each such value by an envelope, `{"enc": "A256GCM", "kid": <person>, "iv": …, "ct": …}` (AES-256-GCM,
the field's JSON value as plaintext; docs/log-format.md); the hash chain covers the envelope like any
other JSON. On every read the envelope is opened again with the person's key (`person_keys`), so what
projections, reads and the PDF see is the plaintext, or, once the key is destroyed, a stand-in:
`ERASED` for a name, the empty string for other text.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, Engine

from events import driver
from events.envelope import associated_data, is_envelope, open_value, seal_value
from events.errors import EventStoreError
from events.schema import person_keys

#: What a name reads as once its person is erased (the pages translate it).
ERASED = "erased person"
#: A declaration's subject meaning "the actor in the event's metadata" (the author of a free text).
ACTOR = "@actor"
#: How long a process trusts a key it read before reading it again (an erasure elsewhere shows within this).
KEY_TTL_SECONDS = 5.0


class PersonErased(EventStoreError):
    """A new event would hold personal data of a person who was erased."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(f"person {subject!r} was erased: nothing personal about them can be recorded again")


@dataclass(frozen=True, slots=True)
class Personal:
    """One event type's personal fields and the field naming whose they are."""

    subject: str  # a payload field holding the person's id, or ACTOR
    names: tuple[str, ...] = ()  # read as ERASED once the person is erased
    texts: tuple[str, ...] = ()  # read as "" once the person is erased

    @property
    def fields(self) -> tuple[str, ...]:
        """Every personal field."""
        return self.names + self.texts

    def stand_in(self, field: str) -> str:
        """What `field` reads as once its person is erased."""
        return ERASED if field in self.names else ""

    def subject_of(self, payload: Mapping[str, Any], actor: str | None) -> str | None:
        """The person the personal fields of this payload belong to (None: nobody; stored in clear)."""
        found = actor if self.subject == ACTOR else payload.get(self.subject)
        return found if isinstance(found, str) and found else None

    def sealed_for(self, payload: Mapping[str, Any], actor: str | None) -> str | None:
        """The person whose key seals this payload: its subject, when it has a personal field set (else None)."""
        if not any(payload.get(field) is not None for field in self.fields):
            return None
        return self.subject_of(payload, actor)


class PersonalFields:
    """Per event type: its personal fields and whose they are, or that it holds none. One line per type."""

    def __init__(self) -> None:
        self._personal: dict[str, Personal] = {}
        self._none: set[str] = set()

    def declare(self, type_name: str, subject: str, names: Iterable[str] = (), texts: Iterable[str] = ()) -> None:
        """Declare the personal fields of `type_name`: `names` of people and other `texts`, belonging to `subject`."""
        if type_name in self._personal or type_name in self._none:
            raise ValueError(f"the personal fields of {type_name} are already declared")
        self._personal[type_name] = Personal(subject, tuple(names), tuple(texts))

    def none(self, *type_names: str) -> None:
        """Declare that these event types hold no personal data (ids only, or the organisations' own texts)."""
        for type_name in type_names:
            if type_name in self._personal or type_name in self._none:
                raise ValueError(f"the personal fields of {type_name} are already declared")
            self._none.add(type_name)

    def of(self, type_name: str) -> Personal | None:
        """The personal fields of `type_name`, if it has any."""
        return self._personal.get(type_name)

    def declared(self) -> frozenset[str]:
        """Every type declared either way."""
        return frozenset(self._personal) | frozenset(self._none)

    def personal_types(self) -> frozenset[str]:
        """The types that hold personal fields."""
        return frozenset(self._personal)


# -- the keys ---------------------------------------------------------------------------------------

KeyFor = Callable[[str], bytes | None]


#: One person's key (built once: read for every personal event a process has not cached the key of).
_KEY = select(person_keys.c.key).where(person_keys.c.subject == bindparam("subject"))


class Keyring:
    """The person keys of one database, as a process last read them.

    Keys are cached for `KEY_TTL_SECONDS`; an erased person (a row without key) is remembered for good.
    A person unknown to the table (events imported without their keys) reads as erased and is not cached.
    """

    def __init__(self, ttl: float = KEY_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._keys: dict[str, tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()

    def key(self, connection: Connection, subject: str, fresh: bool = False) -> bytes | None:
        """The person's key to open envelopes with; None once erased (or never known here)."""
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get(subject)
        if cached is not None and not fresh and (cached[0] is None or now < cached[1]):
            return cached[0]
        row = driver.first(connection, _KEY, {"subject": subject})
        if row is None:
            return None
        key = None if row["key"] is None else bytes(row["key"])
        with self._lock:
            self._keys[subject] = (key, now + self.ttl)
        return key

    def load(self, connection: Connection, subjects: Iterable[str]) -> dict[str, bytes | None]:
        """Many people's keys in one query (for replays); cached as `key` caches them; unknown ones read as None."""
        wanted, now = sorted(set(subjects)), time.monotonic()
        found: dict[str, bytes | None] = {}
        for start in range(0, len(wanted), 500):
            query = select(person_keys.c.subject, person_keys.c.key).where(
                person_keys.c.subject.in_(wanted[start : start + 500])
            )
            for subject, key in connection.execute(query):
                found[subject] = None if key is None else bytes(key)
        with self._lock:
            for subject, key in found.items():
                self._keys[subject] = (key, now + self.ttl)
        return {subject: found.get(subject) for subject in wanted}

    def opened(
        self, connection: Connection, personal: Personal, stream_id: str, type_name: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """A stored payload with its envelopes opened (or their stand-ins), keys read on `connection`."""
        return open_payload(personal, stream_id, type_name, payload, lambda s, fresh: self.key(connection, s, fresh))

    def forget(self, subject: str | None = None) -> None:
        """Drop one person's cached key (all of them when None): the next read asks the database."""
        with self._lock:
            if subject is None:
                self._keys.clear()
            else:
                self._keys.pop(subject, None)

    def erase(self, connection: Connection, subject: str, erased_at: str) -> bool:
        """Destroy the person's key (the row stays, without key, as the record that they were erased).

        False when there was nothing to destroy: no key, or erased already.
        """
        done = connection.execute(
            update(person_keys)
            .where(person_keys.c.subject == subject, person_keys.c.key.is_not(None))
            .values(key=None, erased_at=erased_at)
        ).rowcount
        self.forget(subject)
        return bool(done)


_keyrings: weakref.WeakKeyDictionary[Engine, Keyring] = weakref.WeakKeyDictionary()
_keyrings_lock = threading.Lock()


def keyring_for(engine: Engine) -> Keyring:
    """The one keyring of this engine's database in this process."""
    with _keyrings_lock:
        found = _keyrings.get(engine)
        if found is None:
            found = _keyrings[engine] = Keyring()
        return found


def erasures(connection: Connection) -> int:
    """How many people have been erased (part of what a cached PDF is keyed by)."""
    return int(connection.execute(select(func.count()).where(person_keys.c.erased_at.is_not(None))).scalar() or 0)


# -- sealing and opening payloads ---------------------------------------------------------------------


def seal_payload(
    personal: Personal, stream_id: str, type_name: str, payload: Mapping[str, Any], actor: str | None, key_for: KeyFor
) -> dict[str, Any] | None:
    """The payload with its personal fields sealed; None when it has nothing to seal (no subject or no field).

    `key_for(subject)` gives the person's key, making one if needed; PersonErased when they were erased.
    """
    subject = personal.sealed_for(payload, actor)
    if subject is None:
        return None
    present = [f for f in personal.fields if payload.get(f) is not None]
    key = key_for(subject)
    if key is None:
        raise PersonErased(subject)
    sealed = dict(payload)
    for field in present:
        sealed[field] = seal_value(key, subject, payload[field], associated_data(stream_id, type_name, field, subject))
    return sealed


def sealing(personal: PersonalFields, prepared: Sequence[tuple[Any, int, str]], actor: str | None) -> list[str]:
    """The people whose keys an append's events are sealed with (`seal_texts`), each once, in order: what the
    append reads with its opening message (`events.sql.Statements.open_append`), under its lock."""
    found: dict[str, None] = {}
    for event, _version, _text in prepared:
        fields = personal.of(event.type)
        subject = None if fields is None else fields.sealed_for(event.payload, actor)
        if subject is not None:
            found[subject] = None
    return list(found)


def seal_texts(
    cursor: Any,
    sql: Any,
    personal: PersonalFields,
    prepared: Sequence[tuple[Any, int, str]],
    chain: Any,
    metadata: Any,
    now: str,
    read: Mapping[str, bytes | None],
) -> list[str]:
    """The payload texts an append stores: each event's personal fields sealed under its person's key.

    `prepared` holds (NewEvent, schema version, plain payload text); `chain` writes the stored text; the
    actor of `metadata` is the subject of fields declared ACTOR's. `read` holds the keys of the people
    `sealing` names, as the append read them with its opening message, under its lock, never from a
    cache (a key cached from a transaction that was rolled back would seal data that nobody could open
    again): an erased person's as None, and none for a person without a row, whose key is made here, on
    the append's own driver cursor, in its transaction.
    """
    keys = dict(read)

    def key_for(subject: str) -> bytes | None:
        if subject not in keys:  # their first personal event: their key is made with it
            keys[subject] = AESGCM.generate_key(bit_length=256)
            cursor.execute(sql.insert_person_key, (subject, keys[subject], now))
        return keys[subject]

    texts = []
    for event, _version, text in prepared:
        fields = personal.of(event.type)
        sealed = None
        if fields is not None:
            sealed = seal_payload(fields, event.stream_id, event.type, event.payload, metadata.actor_id, key_for)
        texts.append(text if sealed is None else chain.canonical(sealed))
    return texts


def open_payload(
    personal: Personal,
    stream_id: str,
    type_name: str,
    payload: dict[str, Any],
    key_for: Callable[[str, bool], bytes | None],
) -> dict[str, Any]:
    """The payload with every envelope in it opened, or replaced by its stand-in once its person is erased."""
    opened: dict[str, Any] | None = None
    for field, value in payload.items():
        if not is_envelope(value):
            continue
        if opened is None:
            opened = dict(payload)
        subject = str(value.get("kid", ""))
        aad = associated_data(stream_id, type_name, field, subject)
        opened[field] = personal.stand_in(field)
        for fresh in (False, True):  # a cached key that no longer opens it: read the key again, once
            key = key_for(subject, fresh)
            if key is None:
                break
            try:
                opened[field] = open_value(key, value, aad)
                break
            except InvalidTag:
                continue
    return payload if opened is None else opened


def readable(
    registry: Any, connection: Connection, stream_id: str, type_name: str, schema_version: int, text: str
) -> tuple[int, dict[str, Any]]:
    """A stored payload text as the latest schema version, its personal fields opened (or their stand-ins)."""
    payload = json.loads(text)
    personal = registry.personal.of(type_name)
    if personal is not None:
        payload = keyring_for(connection.engine).opened(connection, personal, stream_id, type_name, payload)
    version, upcast = registry.upcast(type_name, schema_version, payload)
    return version, upcast
