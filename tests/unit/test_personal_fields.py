"""Every event type the application records says which of its fields are personal, and whose (one line each)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from coalition.domain.event_types import registry
from events.personal import ACTOR, Personal, PersonalFields


def test_every_registered_event_type_is_declared_personal_or_not() -> None:
    import coalition

    for module in pkgutil.walk_packages(coalition.__path__, "coalition."):  # every module that may register a type
        if ".migrations" not in module.name:
            importlib.import_module(module.name)

    undeclared = sorted(set(registry.types()) - registry.personal.declared())

    assert undeclared == [], "add one line per type to coalition/domain/event_types.py"


def test_every_declared_field_and_subject_exists_in_its_schema() -> None:
    wrong = []
    for type_name in sorted(registry.personal.personal_types() & set(registry.types())):
        personal = registry.personal.of(type_name)
        assert personal is not None
        fields = registry.fields(type_name)
        wrong += [f"{type_name}.{f}" for f in personal.fields if f not in fields]
        if personal.subject != ACTOR and personal.subject not in fields:
            wrong.append(f"{type_name} subject {personal.subject}")
    assert wrong == []


def test_signatures_names_and_titles_are_personal() -> None:
    signed = registry.personal.of("StatementSigned")

    assert signed == Personal("user_id", ("signer_name",), ("signer_title",))
    assert signed.stand_in("signer_name") == "erased person" and signed.stand_in("signer_title") == ""


def test_a_type_is_declared_once() -> None:
    fields = PersonalFields()
    fields.declare("A", "user_id", names=("name",))
    fields.none("B")

    with pytest.raises(ValueError, match="already declared"):
        fields.declare("A", "user_id")
    with pytest.raises(ValueError, match="already declared"):
        fields.none("B")
