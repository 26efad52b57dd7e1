"""Checking a statement PDF or a partnership report against the log (`POST /verify`), and the seal's certificate
the offline tool needs (`GET /seal/certificate`): public, no token."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from coalition.infra.extensions import services
from coalition.pdf import export
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import documented
from coalition.web.downloads import MAX_UPLOAD
from coalition.web.errors import reason_details


class VerifyView(Schema):
    valid = fields.Boolean(required=True)
    verdict = fields.String(
        required=True,
        validate=validate.OneOf(["current", "outdated", "not_genuine", "unreadable"]),
        metadata={
            "description": "current: genuine, nothing changed since; outdated: genuine, see changes_since; "
            "not_genuine: see reasons; unreadable: could not be checked within the limits on time and memory "
            "(still HTTP 200, valid false)"
        },
    )
    reasons = fields.List(fields.String(), required=True, metadata={"description": "why, in English"})
    reason_details = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "the same reasons as message ids with parameters (`message`, `params`) and `text`, "
            "in the language Accept-Language asks for (English or Romanian)"
        },
    )
    seal = fields.Dict(
        required=True,
        metadata={
            "description": "intact, ours, whole_file, signed_at, "
            "certificate_sha256, signer (the sealing certificate's subject), timestamp (null, or the RFC 3161 "
            "timestamp: time, valid (its token matches the seal), authority (the TSA certificate's subject))"
        },
    )
    statement = fields.Dict(
        allow_none=True,
        metadata={
            "description": "id, coalition_id, version_hash, language, exported_position, exported_at, signatures; "
            "when it matches the log also title, coalition {id, name}, url (its page) and public"
        },
    )
    report = fields.Dict(allow_none=True, metadata={"description": "a partnership report's: see the README"})
    changes_since = fields.Dict(allow_none=True, metadata={"description": "for a report: changed, sections"})


@bp.post("/verify")
@documented(response=VerifyView, public=True, errors=(400, 413, 503), upload="file")
def verify_pdf() -> ResponseReturnValue:
    """Upload a statement PDF (multipart field `file`): is it genuine and unaltered, and what changed since."""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the PDF as a multipart/form-data upload in the field `file`")
    try:
        data = upload.read(MAX_UPLOAD + 1)
    finally:
        upload.close()  # the spooled temporary file, now rather than whenever it is collected
    if len(data) > MAX_UPLOAD:
        raise RequestEntityTooLarge(f"a statement PDF is at most {MAX_UPLOAD // 1_000_000} MB")
    sealer, _ = export.for_app(current_app)
    answer = export.verify(services().engine, sealer, data, services().store.clock())
    return jsonify(VerifyView().dump({**answer, "reason_details": reason_details(answer["reasons"])}))


@bp.get("/seal/certificate")
@documented(public=True, media="application/x-pem-file")
def seal_certificate() -> ResponseReturnValue:
    """The platform's seal certificate (PEM): with the checkpoint key, what tools/verify_statement.py needs."""
    pem = export.for_app(current_app)[0].certificate.public_bytes(serialization.Encoding.PEM)
    return Response(
        pem, mimetype="application/x-pem-file", headers={"Content-Disposition": "inline; filename=seal.pem"}
    )
