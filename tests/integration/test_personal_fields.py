"""Crypto-shredding in the store, on every backend: personal fields are stored sealed, read back opened, read as
their stand-ins once the key is destroyed, and the chain covers the sealed bytes (so it still verifies)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from events import EventStore, Metadata, NewEvent, Registry, sql
from events.personal import ACTOR, ERASED, PersonErased, erasures, keyring_for
from events.schema import person_keys
from events.store import format_time


@pytest.fixture
def registry(registry: Registry) -> Registry:
    """ThingCreated's name is personal to the person whose id is in `tags`, ThingRenamed's reason to its actor."""
    registry.personal.declare("ThingCreated", "tags", names=("name",))
    registry.personal.declare("ThingRenamed", ACTOR, texts=("reason",))
    return registry


def stored(store: EventStore, position: int) -> dict[str, object]:
    with store.engine.connect() as connection:
        text = connection.execute(sa.text("SELECT payload FROM events WHERE position = :p"), {"p": position}).scalar()
    return dict(json.loads(str(text)))


def destroy(store: EventStore, subject: str) -> bool:
    with store.transaction() as connection:
        return store.keyring.erase(connection, subject, format_time(store.clock()))


def test_a_personal_field_is_stored_sealed_and_read_opened(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "Ioana Popescu", "tags": "user-1"})])

    raw = stored(store, 1)
    envelope = raw["name"]
    assert isinstance(envelope, dict) and envelope["enc"] == "A256GCM" and envelope["kid"] == "user-1"
    assert "Ioana" not in json.dumps(raw)
    assert raw["tags"] == "user-1"  # who it belongs to stays readable
    assert store.read_stream("thing-1")[0].payload["name"] == "Ioana Popescu"
    assert next(iter(store.read_all())).payload["name"] == "Ioana Popescu"


def test_the_projections_get_the_plaintext_inside_the_append(store: EventStore) -> None:
    seen = []
    store.append(
        [NewEvent("thing-1", "ThingCreated", {"name": "Ioana", "tags": "user-1"})],
        within=lambda _c, recorded: seen.extend(e.payload["name"] for e in recorded),
    )

    assert seen == ["Ioana"]


def test_each_person_has_a_key_of_their_own_made_on_first_use(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "B", "tags": "user-2"})])
    store.append([NewEvent("thing-3", "ThingCreated", {"name": "C", "tags": "user-1"})])

    with store.engine.connect() as connection:
        keys = connection.execute(sa.select(person_keys.c.subject, person_keys.c.key)).all()
    assert sorted(k.subject for k in keys) == ["user-1", "user-2"]
    assert len({bytes(k.key) for k in keys}) == 2 and all(len(bytes(k.key)) == 32 for k in keys)


def test_a_field_without_its_person_is_stored_as_it_is(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "plain"})])
    store.append([NewEvent("thing-1", "ThingRenamed", {"name": "x", "reason": "nobody acted"})])

    assert stored(store, 1)["name"] == "plain" and stored(store, 2)["reason"] == "nobody acted"


def test_free_text_is_sealed_under_its_author_the_actor(store: EventStore) -> None:
    store.append(
        [NewEvent("thing-1", "ThingRenamed", {"name": "x", "reason": "Ioana asked"})],
        metadata=Metadata(actor_id="user-9"),
    )

    assert stored(store, 1)["reason"]["kid"] == "user-9"  # type: ignore[index]
    destroy(store, "user-9")
    assert store.read_stream("thing-1")[0].payload == {"name": "x", "reason": ""}


def test_once_the_key_is_destroyed_names_read_as_the_stand_in_and_the_chain_still_verifies(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "Ioana Popescu", "tags": "user-1"})])
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "Mara", "tags": "user-2"})])
    before = store.verify()

    assert destroy(store, "user-1") is True

    assert store.read_stream("thing-1")[0].payload["name"] == ERASED
    assert store.read_stream("thing-2")[0].payload["name"] == "Mara"
    after = store.verify()
    assert after.ok and (after.count, after.head_hash) == (before.count, before.head_hash)
    with store.engine.connect() as connection:
        assert erasures(connection) == 1


def test_destroying_twice_destroys_nothing_more(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])

    assert (destroy(store, "user-1"), destroy(store, "user-1"), destroy(store, "user-unknown")) == (True, False, False)


def test_nothing_personal_is_recorded_again_about_an_erased_person(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])
    destroy(store, "user-1")

    with pytest.raises(PersonErased):
        store.append([NewEvent("thing-2", "ThingCreated", {"name": "A again", "tags": "user-1"})])
    assert store.head()[0] == 1


def test_one_append_seals_for_several_people_with_the_keys_it_read_under_its_lock(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "B", "tags": "user-2"})])
    destroy(store, "user-2")

    with pytest.raises(PersonErased):  # one of them erased: nothing of the append is recorded, no key is made
        store.append(
            [
                NewEvent("thing-3", "ThingCreated", {"name": "C", "tags": "user-1"}),
                NewEvent("thing-4", "ThingCreated", {"name": "D", "tags": "user-3"}),
                NewEvent("thing-5", "ThingCreated", {"name": "E", "tags": "user-2"}),
            ]
        )
    with store.engine.connect() as connection:
        assert "user-3" not in set(connection.execute(sa.select(person_keys.c.subject)).scalars())
    store.append(
        [
            NewEvent("thing-3", "ThingCreated", {"name": "C", "tags": "user-1"}),  # a key it read
            NewEvent("thing-4", "ThingCreated", {"name": "D", "tags": "user-3"}),  # a key it made
            NewEvent("thing-6", "ThingCreated", {"name": "F", "tags": "user-3"}),  # the one it made, again
        ]
    )

    with store.engine.connect() as connection:
        keys = {row.subject: row.key for row in connection.execute(sa.select(person_keys))}
    assert sorted(keys) == ["user-1", "user-2", "user-3"] and keys["user-2"] is None
    assert [stored(store, p)["name"]["kid"] for p in (3, 4, 5)] == ["user-1", "user-3", "user-3"]  # type: ignore[index]
    assert [e.payload["name"] for e in store.read_all(after=2)] == ["C", "D", "F"]
    assert store.verify().ok


def test_an_append_for_more_people_than_one_statement_reads_reads_their_keys_in_chunks(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "KEYS_AT_ONCE", 2)  # an import's thousands of people, in small
    store.append([NewEvent(f"thing-{n}", "ThingCreated", {"name": f"N{n}", "tags": f"user-{n}"}) for n in range(3)])
    destroy(store, "user-1")

    with pytest.raises(PersonErased):  # the erased one is in the second chunk
        store.append([NewEvent(f"again-{n}", "ThingCreated", {"name": "X", "tags": f"user-{n}"}) for n in range(5)])
    store.append([NewEvent(f"again-{n}", "ThingCreated", {"name": f"M{n}", "tags": f"user-{n}"}) for n in (0, 2, 3, 4)])

    with store.engine.connect() as connection:
        keys = {row.subject: row.key for row in connection.execute(sa.select(person_keys))}
    assert sorted(keys) == [f"user-{n}" for n in range(5)]
    assert [e.payload["name"] for e in store.read_all(after=3)] == ["M0", "M2", "M3", "M4"]
    assert [stored(store, p)["name"]["kid"] for p in (1, 3)] == ["user-0", "user-2"]  # type: ignore[index]
    assert store.read_stream("thing-0")[0].payload["name"] == "N0"  # sealed with the key read, not a new one
    assert store.verify().ok


def test_another_process_sees_the_erasure_once_its_cached_key_lapses(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])
    elsewhere = EventStore(sa.create_engine(store.engine.url), store.registry)  # another engine: its own keyring
    assert elsewhere.read_stream("thing-1")[0].payload["name"] == "A"

    destroy(store, "user-1")
    elsewhere.keyring.ttl = 0.0  # as after KEY_TTL_SECONDS
    elsewhere.keyring.forget()

    assert elsewhere.read_stream("thing-1")[0].payload["name"] == ERASED
    elsewhere.engine.dispose()


def test_a_sealed_value_moved_to_another_place_does_not_open(store: EventStore) -> None:
    store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})])
    store.append([NewEvent("thing-2", "ThingCreated", {"name": "B", "tags": "user-1"})])
    envelope = stored(store, 1)["name"]

    opened = store.keyring.opened  # the associated data names the stream, the type, the field and the person
    with store.engine.connect() as connection:
        personal = store.registry.personal.of("ThingCreated")
        assert personal is not None
        moved = opened(connection, personal, "thing-2", "ThingCreated", {"name": envelope, "tags": "user-1"})
        in_place = opened(connection, personal, "thing-1", "ThingCreated", {"name": envelope, "tags": "user-1"})
    assert (moved["name"], in_place["name"]) == (ERASED, "A")


def test_a_rolled_back_append_leaves_no_key_behind_and_a_cached_key_is_read_again(store: EventStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as connection:
        store.append([NewEvent("thing-1", "ThingCreated", {"name": "A", "tags": "user-1"})], connection=connection)
        assert store.read_stream("thing-1", connection=connection)[0].payload["name"] == "A"  # caches that key
        raise RuntimeError("undo")

    store.append([NewEvent("thing-1", "ThingCreated", {"name": "B", "tags": "user-1"})])

    assert store.read_stream("thing-1")[0].payload["name"] == "B"
    assert keyring_for(store.engine) is store.keyring
