"""The OpenAPI document says what the server enforces: every request body's and query's bounds, lengths and
choices are the marshmallow validators' (no more, no fewer), a numeric field takes the value at its
documented bound and refuses the one just outside it, and every PDF answer is declared as binary PDF."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields, validate

from coalition.web.api.edge import PDF, Operation
from coalition.web.api.openapi import _operation_of
from tests.e2e.world import Api

#: The keywords of a JSON schema that state a limit the server must hold to.
LIMITS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "enum",
)
BINARY = {"type": "string", "format": "binary"}


def operations(app: Flask) -> Iterator[tuple[str, str, Operation]]:
    """(rule, method, operation) of every documented API route."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            operation = _operation_of(app.view_functions[rule.endpoint])
            if operation is not None:
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    yield rule.rule, method.lower(), operation


def enforced(field: fields.Field[Any]) -> dict[str, Any]:
    """The limits `field`'s validators hold it to, as the JSON schema keywords that should document them."""
    limits: dict[str, Any] = {}
    ranges = [v for v in field.validators if isinstance(v, validate.Range)]
    lows = [(v.min, v.min_inclusive) for v in ranges if v.min is not None]
    highs = [(v.max, v.max_inclusive) for v in ranges if v.max is not None]
    if lows:
        low, inclusive = max(lows, key=lambda b: (b[0], not b[1]))
        limits["minimum"] = low
        if not inclusive:
            limits["exclusiveMinimum"] = True
    if highs:
        high, inclusive = min(highs, key=lambda b: (b[0], b[1]))
        limits["maximum"] = high
        if not inclusive:
            limits["exclusiveMaximum"] = True
    many = isinstance(field, fields.List) or (isinstance(field, fields.Nested) and field.many)
    for length in (v for v in field.validators if isinstance(v, validate.Length)):
        low_key, high_key = ("minItems", "maxItems") if many else ("minLength", "maxLength")
        low, high = (length.equal, length.equal) if length.equal is not None else (length.min, length.max)
        if low is not None:
            limits[low_key] = max(low, limits.get(low_key, low))
        if high is not None:
            limits[high_key] = min(high, limits.get(high_key, high))
    choices = [v for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        limits["enum"] = list(choices[0].choices)
    return limits


def _ref(prop: dict[str, Any]) -> str | None:
    ref = prop.get("$ref") or next((p.get("$ref") for p in prop.get("allOf", []) if "$ref" in p), None)
    return ref.rsplit("/", 1)[1] if ref else None


def mismatches(
    schema: type[Schema], properties: dict[str, Any], components: dict[str, Any], where: str
) -> Iterator[str]:
    """Each field whose documented limits differ from what its validators enforce."""
    for name, field in schema().load_fields.items():
        key = field.data_key or name
        prop = properties.get(key)
        if prop is None:
            yield f"{where}.{key}: not documented"
            continue
        yield from field_mismatches(field, prop, components, f"{where}.{key}")


def field_mismatches(
    field: fields.Field[Any], prop: dict[str, Any], components: dict[str, Any], where: str
) -> Iterator[str]:
    expected = enforced(field)
    documented = {k: prop[k] for k in LIMITS if k in prop}
    if documented != expected:
        yield f"{where}: documented {documented}, enforced {expected}"
    if isinstance(field, fields.List):
        yield from field_mismatches(field.inner, prop.get("items", {}), components, f"{where}[]")
    if isinstance(field, fields.Nested):
        name = _ref(prop.get("items", prop) if field.many else prop)
        if name is not None and isinstance(field.schema, Schema):
            yield from mismatches(type(field.schema), components[name]["properties"], components, where)


def request_schemas(app: Flask, document: dict[str, Any]) -> Iterator[tuple[str, type[Schema], dict[str, Any]]]:
    """(where, schema, its documented properties) of every request body and query of the document."""
    components = document["components"]["schemas"]
    for rule, method, operation in operations(app):
        path = rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        entry = document["paths"][path][method]
        if operation.request is not None:
            name = _ref(entry["requestBody"]["content"]["application/json"]["schema"])
            assert name is not None, (path, method)
            yield f"{method} {path} body", operation.request, components[name]["properties"]
        if operation.query is not None:
            query = {p["name"]: p["schema"] for p in entry["parameters"] if p["in"] == "query"}
            yield f"{method} {path} query", operation.query, query


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    return dict(api.client.get("/api/v1/openapi.json").json)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_documented_limit_is_the_one_the_validators_enforce(api: Api, document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    problems = [
        problem
        for where, schema, properties in request_schemas(api.app, document)
        for problem in mismatches(schema, properties, components, where)
    ]

    assert problems == []


def _inside(bound: float, integer: bool, upward: bool) -> float:
    """The nearest value to `bound` on its allowed side (for an exclusive bound)."""
    if integer:
        return bound + 1 if upward else bound - 1
    return math.nextafter(bound, math.inf if upward else -math.inf)


def _refused(schema: type[Schema], key: str, value: Any) -> bool:
    """Whether the field `key` of `schema` refuses `value` (its type and validators; rules across fields aside)."""
    field = next(f for name, f in schema().load_fields.items() if (f.data_key or name) == key)
    try:
        field.deserialize(value)
    except ValidationError:
        return True
    return False


def numeric_bounds(app: Flask, document: dict[str, Any]) -> Iterator[tuple[str, type[Schema], str, dict[str, Any]]]:
    for where, schema, properties in request_schemas(app, document):
        for key, prop in properties.items():
            if prop.get("type") in ("integer", "number") and ("minimum" in prop or "maximum" in prop):
                yield where, schema, key, prop


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_numeric_field_takes_its_documented_bound_and_refuses_just_beyond(api: Api, document: dict[str, Any]) -> None:
    checked, problems = 0, []
    for where, schema, key, prop in numeric_bounds(api.app, document):
        integer = prop["type"] == "integer"
        for side, upward in (("minimum", False), ("maximum", True)):
            if side not in prop:
                continue
            bound = prop[side]
            bound = int(bound) if integer else float(bound)
            exclusive = prop.get("exclusiveMinimum" if side == "minimum" else "exclusiveMaximum", False)
            allowed = _inside(bound, integer, not upward) if exclusive else bound
            beyond = bound if exclusive else _inside(bound, integer, upward)
            if _refused(schema, key, allowed):
                problems.append(f"{where}.{key}: {allowed} is documented as allowed and refused")
            if not _refused(schema, key, beyond):
                problems.append(f"{where}.{key}: {beyond} is documented as refused and taken")
            checked += 1

    assert problems == []
    assert checked >= 10  # the quantity, the objectives' numbers, the paging limits, the token's days...


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_pledge_of_no_quantity_is_documented_as_refused(api: Api, document: dict[str, Any]) -> None:
    quantity = document["components"]["schemas"]["CommitmentRequest"]["properties"]["quantity"]

    assert (quantity["minimum"], quantity.get("exclusiveMinimum")) == (0, True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_pdf_answer_is_declared_as_binary_pdf(api: Api, document: dict[str, Any]) -> None:
    pdfs = [
        (rule, method, operation)
        for rule, method, operation in operations(api.app)
        if rule.endswith(".pdf") or operation.media == PDF
    ]

    assert pdfs, "the statement PDF at least"
    for rule, method, operation in pdfs:
        assert operation.media == PDF, rule
        path = rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        answer = document["paths"][path][method]["responses"][str(operation.status)]
        assert answer["content"] == {PDF: {"schema": BINARY}}, rule
