"""/api/v1/openapi.json: an OpenAPI 3 document made from the routes and their marshmallow schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.web.api.blueprint import bp
from coalition.web.api.edge import MAX_KEY_LENGTH, Operation, documented

#: The headers a command takes, as strictly as `coalition.web.edge` reads them (anything else is a 400).
RETRY_HEADERS = [
    {
        "in": "header",
        "name": "Idempotency-Key",
        "description": "a retry with the same key gets the first answer back",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]([ -~]*[!-~])?$"},
    },
    {
        "in": "header",
        "name": "If-Match",
        "description": "the version (ETag) you last read: 409 if it has changed",
        "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,18}"?$'},
    },
]
#: Routes that also answer in CSV (asked for with `format=csv` or `Accept: text/csv`); `.csv` routes only do.
ALSO_CSV = {"api.read_events"}
ERROR_STATUSES = {
    400: "malformed body or header",
    401: "no or a bad token",
    403: "not allowed",
    404: "unknown id",
    409: "conflict: stale version, already done, or a rule broken",
    413: "the body or upload is too large",
    422: "invalid fields, each named in `fields`",
    429: "too many attempts from your address: wait as long as Retry-After says",
    503: "unavailable for now (every checker busy, a timestamp authority down, the log's proof tree catching up): "
    "try again after Retry-After",
}


#: A field named `fields` would shadow `Schema.fields`: the error's detail is built from a mapping instead.
ErrorDetail = Schema.from_dict(
    {
        "code": fields.String(required=True),
        "message": fields.String(required=True),
        "fields": fields.Dict(required=True),
    },
    name="ErrorDetail",
)


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


def exclusive_bounds(self: Any, field: fields.Field[Any], ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """`exclusiveMinimum`/`exclusiveMaximum` (OpenAPI 3.0: booleans) for a `validate.Range` that leaves its bound
    out (`min_inclusive=False`): apispec writes the bound alone, which would document it as allowed."""
    bounds: dict[str, Any] = {}
    ranges = [v for v in field.validators if isinstance(v, validate.Range)]
    for side, flag, inclusive in (("minimum", "exclusiveMinimum", "min"), ("maximum", "exclusiveMaximum", "max")):
        if side not in ret:
            continue
        tight = [v for v in ranges if getattr(v, inclusive) is not None and ret[side] == getattr(v, inclusive)]
        if any(not getattr(v, f"{inclusive}_inclusive") for v in tight):
            bounds[flag] = True
    return bounds


def _operation_of(view: Any) -> Operation | None:
    while view is not None:
        operation = getattr(view, "__openapi__", None)
        if isinstance(operation, Operation):
            return operation
        view = getattr(view, "__wrapped__", None)
    return None


def _json(schema: type[Schema]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def build() -> dict[str, Any]:
    """The document, from every documented route of the API blueprint."""
    # here: hardening imports the API's edge, which imports this package
    from coalition.web.hardening import DOORS, PUBLIC_READS_LIMITED

    plugin = MarshmallowPlugin()
    spec = APISpec(
        "Coalition API",
        "1.0.0",
        "3.0.3",
        plugins=[plugin],
        info={
            "description": "Every coalition action as a hash-chained event. Errors share one shape; "
            "POSTs accept an Idempotency-Key header; mutating calls accept If-Match."
        },
        servers=[{"url": "/api/v1"}],
    )
    if plugin.converter is None:  # made by APISpec's init_spec
        raise RuntimeError("the marshmallow plugin was not initialised")
    plugin.converter.add_attribute_function(exclusive_bounds)  # type: ignore[no-untyped-call]
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=Error)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        operation = _operation_of(view)
        if operation is None:
            continue
        takes_retries = getattr(view, "takes_retries", False)
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(bp.url_prefix or ""))
        doc = (view.__doc__ or "").strip()
        parameters: list[dict[str, Any]] = [
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": {
                    "type": "string",
                    **({"enum": list(operation.choices[name])} if name in operation.choices else {}),
                },
            }
            for name in re.findall(r"{([^}]+)}", path)
        ]
        if operation.query is not None:
            parameters.append({"in": "query", "schema": operation.query})
        body = (
            {"content": {operation.media: {"schema": {"type": "string", "format": "binary"}}}}
            if operation.media != "application/json"
            else _json(operation.response)
            if operation.response
            else {}
        )
        if operation.media != "application/json" and operation.response:  # a text answer that also comes as JSON
            body["content"].update(_json(operation.response)["content"])
        if rule.rule.endswith(".csv"):
            body = {"content": {"text/csv": {"schema": {"type": "string"}}}}
        elif rule.endpoint in ALSO_CSV:
            body["content"]["text/csv"] = {"schema": {"type": "string"}}
        responses: dict[Any, Any] = {str(operation.status): {"description": "done", **body}}
        for status, schema in operation.also.items():
            responses[str(status)] = {"description": (schema.__doc__ or "done").strip(), **_json(schema)}
        errors = operation.errors or ((400, 409, 422) if operation.public else (400, 401, 403, 404, 409, 422))
        if operation.request is not None or operation.upload is not None or takes_retries:
            errors = (*errors, 413)  # a body past MAX_CONTENT_LENGTH (commands read theirs for the Idempotency-Key)
        if rule.endpoint in DOORS or rule.endpoint in PUBLIC_READS_LIMITED:
            errors = (*errors, 429)
        for status in sorted(set(errors)):
            responses[str(status)] = {"description": ERROR_STATUSES[status], **_json(Error)}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation_id = rule.endpoint.removeprefix("api.") + ("_csv" if rule.rule.endswith(".csv") else "")
            entry: dict[str, Any] = {
                "summary": doc.splitlines()[0] if doc else rule.endpoint,
                "operationId": operation_id,
                "parameters": parameters,
                "responses": responses,
            }
            if operation.request is not None:
                entry["requestBody"] = {"required": operation.body_required, **_json(operation.request)}
            if operation.upload is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": [operation.upload],
                                "properties": {operation.upload: {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                }
            if not operation.public:
                entry["security"] = [{"bearer": []}]
            if takes_retries:
                entry["parameters"] = [*parameters, *RETRY_HEADERS]
            spec.path(path=path, operations={method.lower(): entry})
    return spec.to_dict()


@bp.get("/openapi.json")
@documented(public=True)
def openapi() -> ResponseReturnValue:
    """This document."""
    return jsonify(build())
