"""The log's signed checkpoints and Merkle proofs (RFC 9162), public: anyone may check the log grows only."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from coalition.domain.base import NotFound
from coalition.infra.extensions import services
from coalition.transparency import checkpoints
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented, query_args
from events import tree

POSITIVE = validate.Range(min=1, max=2**62)


class CheckpointQuery(Schema):
    format = fields.String(validate=validate.OneOf(["text", "json"]), metadata={"description": "json: as JSON"})


class CheckpointView(Schema):
    size = fields.Integer(required=True, metadata={"description": "how many events the tree holds"})
    root_hash = fields.String(required=True, metadata={"description": "the RFC 9162 tree head, hex"})
    note = fields.String(required=True, metadata={"description": "the C2SP tlog-checkpoint signed note"})
    issued_at = fields.String(required=True)
    origin = fields.String(required=True)
    verifier_key = fields.String(required=True, metadata={"description": "name+keyID+base64(0x01||Ed25519 key)"})


class InclusionQuery(Schema):
    position = fields.Integer(required=True, validate=POSITIVE, metadata={"description": "the event's position"})
    size = fields.Integer(required=True, validate=POSITIVE, metadata={"description": "the tree size (a checkpoint's)"})

    @validates_schema
    def _within(self, data: dict[str, Any], **_: Any) -> None:
        if data["position"] > data["size"]:
            raise ValidationError("the position must be at most the tree size", "position")


class ConsistencyQuery(Schema):
    # `from` is a Python keyword: the field is named by its data key.
    old = fields.Integer(required=True, data_key="from", validate=POSITIVE, metadata={"description": "older size"})
    to = fields.Integer(required=True, validate=POSITIVE, metadata={"description": "newer size"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["old"] > data["to"]:
            raise ValidationError("`from` must be at most `to`", "from")


class InclusionView(Schema):
    leaf_index = fields.Integer(required=True, metadata={"description": "position - 1"})
    position = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True, metadata={"description": "SHA-256(0x00 || event hash bytes), hex"})
    audit_path = fields.List(fields.String(), required=True, metadata={"description": "hex, leaf side first"})


class ConsistencyView(Schema):
    first = fields.Integer(required=True)
    second = fields.Integer(required=True)
    consistency_path = fields.List(fields.String(), required=True, metadata={"description": "hex, RFC 9162 order"})


def _latest() -> checkpoints.Issued:
    store = services().store
    with store.engine.connect() as connection:
        found = checkpoints.latest(connection)
        if found is None and store.head(connection)[0] == 0:
            raise NotFound(
                "the log is empty: no checkpoint is signed until it holds an event (a checkpoint of nothing "
                "would vouch for nothing)"
            )
    if found is None:
        raise NotFound(
            "no checkpoint has been issued yet: the notification loop signs the first within "
            "COALITION_CHECKPOINT_INTERVAL seconds, or an administrator runs `flask log checkpoint`"
        )
    return found


def _covered(name: str, size: int) -> None:
    """A 422 naming `name` when `size` is beyond the latest checkpoint (the tree is kept only that far)."""
    latest = _latest().size
    if size > latest:
        raise ValidationError({name: [f"at most {latest}, the latest checkpoint's size"]})


@bp.get("/log/checkpoint")
@documented(query=CheckpointQuery, response=CheckpointView, public=True, media="text/plain", errors=(400, 404, 422))
def log_checkpoint() -> ResponseReturnValue:
    """The latest signed checkpoint: the note as text/plain, or JSON (`Accept: application/json` or `format=json`)."""
    args = query_args(CheckpointQuery())
    found = _latest()
    wants_json = args.get("format") == "json" or (
        "format" not in args
        and request.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json"
    )
    if not wants_json:
        return Response(found.note, mimetype="text/plain")
    signer = checkpoints.signer_for(current_app.config, current_app.instance_path)
    return jsonify(
        CheckpointView().dump({**found.to_json(), "origin": signer.name, "verifier_key": signer.verifier_key})
    )


@bp.get("/log/public-key")
@documented(public=True, media="text/plain")
def log_public_key() -> ResponseReturnValue:
    """The note verifier key that checks the platform's checkpoints (as `flask log public-key` prints it)."""
    signer = checkpoints.signer_for(current_app.config, current_app.instance_path)
    return Response(signer.verifier_key + "\n", mimetype="text/plain")


@bp.get("/log/proof/inclusion")
@documented(query=InclusionQuery, response=InclusionView, public=True, errors=(400, 404, 422))
def log_inclusion() -> ResponseReturnValue:
    """The audit path proving the event at `position` is in the tree of `size` events."""
    args = query_args(InclusionQuery())
    _covered("size", args["size"])
    index = args["position"] - 1
    with services().engine.connect() as connection:
        path = tree.inclusion(connection, index, args["size"])
        leaf = tree.fetch(connection, [(0, index)])[(0, index)]
    view = {"leaf_index": index, "position": index + 1, "tree_size": args["size"], "leaf_hash": leaf.hex()}
    return jsonify(InclusionView().dump({**view, "audit_path": [p.hex() for p in path]}))


@bp.get("/log/proof/consistency")
@documented(query=ConsistencyQuery, response=ConsistencyView, public=True, errors=(400, 404, 422))
def log_consistency() -> ResponseReturnValue:
    """The proof that the tree of `from` events is a prefix of the tree of `to` events."""
    args = query_args(ConsistencyQuery())
    _covered("to", args["to"])
    with services().engine.connect() as connection:
        proof = tree.consistency(connection, args["old"], args["to"])
    return jsonify(
        ConsistencyView().dump(
            {"first": args["old"], "second": args["to"], "consistency_path": [p.hex() for p in proof]}
        )
    )
