"""Event types: registration, validation and upcasting, without a database."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from events import InvalidPayload, Registry, UnknownEventType
from tests.conftest import make_registry


def test_new_events_validate_against_the_latest_version() -> None:
    registry = make_registry()

    assert registry.validate("ThingRenamed", {"name": "n", "reason": "r"}) == 2


def test_an_old_version_can_be_validated_explicitly() -> None:
    assert make_registry().validate("ThingRenamed", {"name": "n"}, version=1) == 1


def test_validation_errors_name_each_field() -> None:
    with pytest.raises(InvalidPayload) as invalid:
        make_registry().validate("ThingCreated", {"size": "x"})

    assert invalid.value.fields == {"name": ["Missing data for required field."], "size": ["Not a valid integer."]}
    assert str(invalid.value) == (
        "invalid payload for ThingCreated: name: Missing data for required field.; size: Not a valid integer."
    )


def test_unknown_type_and_unknown_version_are_refused() -> None:
    registry = make_registry()

    with pytest.raises(UnknownEventType, match="'Nope'"):
        registry.validate("Nope", {})
    with pytest.raises(UnknownEventType, match="'ThingCreated' version 7"):
        registry.validate("ThingCreated", {"name": "x"}, version=7)


def test_upcasting_walks_every_version_to_the_latest() -> None:
    registry = Registry()
    for version in (1, 2, 3):
        registry.register("Moved", version)(type(f"MovedV{version}", (Schema,), {"to": fields.String()}))
    registry.upcaster("Moved", 1)(lambda p: {**p, "steps": ["1->2"]})
    registry.upcaster("Moved", 2)(lambda p: {**p, "steps": [*p["steps"], "2->3"]})

    assert registry.upcast("Moved", 1, {"to": "x"}) == (3, {"to": "x", "steps": ["1->2", "2->3"]})
    assert registry.upcast("Moved", 3, {"to": "x"}) == (3, {"to": "x"})


def test_a_missing_upcaster_is_reported_not_skipped() -> None:
    registry = Registry()
    registry.register("Moved", 1)(type("MovedV1", (Schema,), {}))
    registry.register("Moved", 2)(type("MovedV2", (Schema,), {}))

    with pytest.raises(UnknownEventType, match="version 1"):
        registry.upcast("Moved", 1, {})


def test_a_version_cannot_be_registered_twice() -> None:
    registry = make_registry()

    with pytest.raises(ValueError, match="already registered"):
        registry.register("ThingCreated", 1)(type("Again", (Schema,), {}))
    with pytest.raises(ValueError, match="start at 1"):
        registry.register("ThingCreated", 0)
