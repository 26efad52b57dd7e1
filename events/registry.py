"""Event types: a marshmallow schema per type and schema version, with upcasters between versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from marshmallow import Schema

from events.errors import InvalidPayload, UnknownEventType
from events.personal import PersonalFields

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
S = TypeVar("S", bound=type[Schema])


class Registry:
    """Knows every event type: how to validate its payload and how to read its old versions."""

    def __init__(self) -> None:
        self._schemas: dict[tuple[str, int], Schema] = {}
        self._latest: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self.personal = PersonalFields()  # which fields of which types are personal (events/personal.py)

    def register(self, type_name: str, version: int = 1) -> Callable[[S], S]:
        """Class decorator: register a schema as version `version` of `type_name`."""
        if version < 1:
            raise ValueError("schema versions start at 1")

        def decorate(schema_class: S) -> S:
            key = (type_name, version)
            if key in self._schemas:
                raise ValueError(f"{type_name} version {version} is already registered")
            self._schemas[key] = schema_class()
            self._latest[type_name] = max(version, self._latest.get(type_name, 0))
            return schema_class

        return decorate

    def upcaster(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: register a function turning a `from_version` payload into the next version."""

        def decorate(function: Upcaster) -> Upcaster:
            self._upcasters[(type_name, from_version)] = function
            return function

        return decorate

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._latest

    def types(self) -> list[str]:
        """All registered type names, sorted."""
        return sorted(self._latest)

    def fields(self, type_name: str) -> frozenset[str]:
        """The payload field names of a type's latest schema version."""
        return frozenset(self._schemas[(type_name, self.latest_version(type_name))].fields)

    def latest_version(self, type_name: str) -> int:
        """The version new events of this type are written in."""
        try:
            return self._latest[type_name]
        except KeyError:
            raise UnknownEventType(type_name) from None

    def validate(self, type_name: str, payload: Mapping[str, Any], version: int | None = None) -> int:
        """Check a payload against its schema; return the schema version it was checked against."""
        version = self.latest_version(type_name) if version is None else version
        schema = self._schemas.get((type_name, version))
        if schema is None:
            raise UnknownEventType(type_name, version)
        if not isinstance(payload, Mapping):
            raise InvalidPayload(type_name, {"_schema": "the payload must be a JSON object"})
        errors = schema.validate(payload)
        if errors:
            raise InvalidPayload(type_name, errors)
        return version

    def validate_batch(self, type_name: str, payloads: list[Mapping[str, Any]]) -> int:
        """Check many payloads of one type in one pass (faster); errors name the first bad payload's fields."""
        version = self.latest_version(type_name)
        if len(payloads) == 1 or not all(isinstance(p, Mapping) for p in payloads):
            for payload in payloads:
                self.validate(type_name, payload, version)
            return version
        # with many=True marshmallow keys the errors by the payload's index
        errors = cast("dict[int, dict[str, Any]]", self._schemas[(type_name, version)].validate(payloads, many=True))
        if errors:
            raise InvalidPayload(type_name, errors[min(errors)])
        return version

    def upcast(self, type_name: str, version: int, payload: Payload) -> tuple[int, Payload]:
        """Bring a stored payload up to the latest version of its type."""
        latest = self._latest.get(type_name)
        if latest is None or version == latest:
            return version, payload
        while version < latest:
            step = self._upcasters.get((type_name, version))
            if step is None:
                raise UnknownEventType(type_name, version)
            payload = step(payload)
            version += 1
        return version, payload
