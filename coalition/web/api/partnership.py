"""The partnership report over the API: download it sealed (members), publish it (facilitators), list published."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from coalition.handlers import Context
from coalition.handlers import reports as handle
from coalition.infra.extensions import services
from coalition.reads.report_log import published_reports
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.checked import Checked
from coalition.web.api.edge import command, documented, json_body, query_args, reader
from coalition.web.report_download import REPORT_LANGUAGES, drawn_at, language_of, report_response

REPORT = "/coalitions/<coalition_id>/report"


class ReportQuery(Schema):
    as_of = fields.String(metadata={"description": "an ISO date, date-time or log position; default: now"})
    lang = fields.String(metadata={"description": f"one of {', '.join(REPORT_LANGUAGES)}; default: en"})


class PublishRequest(Checked):
    as_of = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"description": "as in the download; default: now"}
    )
    language = fields.String(metadata={"description": f"one of {', '.join(REPORT_LANGUAGES)}; default: any"})


class PublishedAnswer(Schema):
    id = fields.String(required=True)
    position = fields.Integer(required=True)
    day = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "the public page of the published report"})
    version = fields.Integer(required=True)


class PublishedList(Schema):
    reports = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "report_id, position, chain_hash, day, language, published_by, published_at, url"},
    )


@bp.get(f"{REPORT}.pdf")
@authenticated
@documented(query=ReportQuery, media="application/pdf", errors=(401, 403, 404, 409, 422, 503))
def report_pdf(coalition_id: str) -> ResponseReturnValue:
    """The coalition's sealed partnership report, drawn from the log as of `as_of` (members and facilitators)."""
    args = query_args(ReportQuery())
    language = language_of(args.get("lang"))
    with services().engine.connect() as connection:
        drawn = drawn_at(connection, coalition_id, args.get("as_of"), reader(connection))
    return report_response(coalition_id, drawn.position, drawn.day, language)


@bp.post(f"{REPORT}s")
@command(201)
@documented(request=PublishRequest, response=PublishedAnswer, status=201)
def publish_report(context: Context, coalition_id: str) -> dict[str, Any]:
    """Publish the report as of `as_of` at a public URL (facilitators): anyone may then download it, sealed."""
    body = json_body(PublishRequest(), optional=True)
    language = language_of(body["language"]) if body.get("language") else None
    with services().engine.connect() as connection:
        drawn = drawn_at(connection, coalition_id, body.get("as_of"), reader(connection))
    return handle.publish_report(
        context,
        coalition_id,
        position=drawn.position,
        chain_hash=drawn.chain_hash,
        day=drawn.day,
        language=language,
        founded_at=drawn.founded_at,
    )


@bp.get(f"{REPORT}s")
@authenticated
@documented(response=PublishedList, errors=(401, 403, 404))
def list_reports(coalition_id: str) -> ResponseReturnValue:
    """The coalition's published reports, newest first (members and facilitators)."""
    with services().engine.connect() as connection:
        drawn_at(connection, coalition_id, None, reader(connection))
        found = published_reports(connection, coalition_id)
    return jsonify({"reports": [{**r, "url": f"/public/reports/{r['report_id']}"} for r in found]})
