"""Joint statements over the API: draft, translate, open, amend, sign, withdraw, endorse, close, publish, read."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.engine import Connection

from coalition.domain import statement as st
from coalition.domain.base import NotFound
from coalition.handlers import Context
from coalition.handlers import statements as handle
from coalition.infra.extensions import services
from coalition.reads import signatories
from coalition.reads import statements as read
from coalition.reads.amendments import word_segments
from coalition.reads.paging import Page
from coalition.reads.reports import require_member_reader
from coalition.reads.standing import Moment
from coalition.reads.statements import diff
from coalition.reads.streams import seen_version
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.diff_schemas import DiffQuery, DiffView
from coalition.web.api.edge import command, documented, documented_pdf, json_body, query_args, reader
from coalition.web.api.schemas import EmptyRequest
from coalition.web.api.statement_schemas import (
    AmendRequest,
    ConfirmRequest,
    DraftPatch,
    DraftRequest,
    EndorseRequest,
    OpenRequest,
    PdfQuery,
    PublishStatementRequest,
    SignatureList,
    SignaturesQuery,
    SignRequest,
    StatementAnswer,
    StatementList,
    StatementQuery,
    StatementView,
    TextRequest,
    WithdrawRequest,
)
from coalition.web.downloads import pdf_response
from coalition.web.reading import member_moment
from coalition.web.reading import now as clock

STATEMENTS = "/coalitions/<coalition_id>/statements"
STATEMENT = f"{STATEMENTS}/<statement_id>"
SIGNATURE = f"{STATEMENT}/signatures/<organisation_id>"


def readable(
    connection: Connection, coalition_id: str, statement_id: str, as_of: str | None = None
) -> tuple[Moment, read.StatementView, int]:
    """The statement at `as_of` and its stream version, for the people of the coalition's members."""
    version = seen_version(connection, st.stream(statement_id))  # before the rows: an ETag never runs ahead
    moment = member_moment(connection, coalition_id, as_of, reader(connection))
    found = read.view(connection, statement_id, moment.position)
    if found is None or found.statement["coalition_id"] != coalition_id:
        raise NotFound("no such statement in this coalition: %(statement)s", statement=statement_id)
    return moment, found, version


@bp.post(STATEMENTS)
@command(201)
@documented(request=DraftRequest, response=StatementAnswer, status=201)
def draft_statement(context: Context, coalition_id: str) -> dict[str, Any]:
    """Draft a joint statement (facilitators; members' users too if the agreement allows it)."""
    return handle.draft(context, coalition_id, **json_body(DraftRequest()))


@bp.get(STATEMENTS)
@authenticated
@documented(response=StatementList)
def list_statements(coalition_id: str) -> ResponseReturnValue:
    """The coalition's statements, newest first (the people of its members)."""
    now = clock()
    with services().engine.connect() as connection:
        require_member_reader(connection, coalition_id, reader(connection))
        rows = read.of_coalition(connection, coalition_id)
    return jsonify(
        StatementList().dump(
            {
                "statements": [
                    {
                        "id": r["statement_id"],
                        "title": r["title"],
                        "language": r["language"],
                        "state": read.phase(r, now),
                        "version_hash": r["version_hash"],
                        "deadline": r["deadline"],
                        "drafted_at": r["drafted_at"],
                    }
                    for r in rows
                ]
            }
        )
    )


def readable_head(
    connection: Connection, coalition_id: str, statement_id: str, as_of: str | None = None
) -> tuple[Moment, read.StatementView, int]:
    """`readable` without the statement's signature rows (`signatories` pages them)."""
    version = seen_version(connection, st.stream(statement_id))
    moment = member_moment(connection, coalition_id, as_of, reader(connection))
    found = read.view(connection, statement_id, moment.position, signatures_too=False)
    if found is None or found.statement["coalition_id"] != coalition_id:
        raise NotFound("no such statement in this coalition: %(statement)s", statement=statement_id)
    return moment, found, version


def _signatures_page(
    connection: Connection, found: read.StatementView, position: int | None, after: str | None, limit: int
) -> Page[dict[str, Any]]:
    """A page of the statement's signatures as the API shows them (`after`: a `next_after` it gave)."""
    cursor = None if after is None else signatories.parse(after)
    page = signatories.rows(connection, found.statement["statement_id"], position, cursor, limit)
    shown = read.signature_entries(connection, found.statement, page.items, position)
    return Page(shown, page.total, page.next_after)


@bp.get(STATEMENT)
@authenticated
@documented(response=StatementView, query=StatementQuery)
def read_statement(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The text, version hash, state, the count of signatures that count, and the first page of the signatories
    with their status (`?signatures=`, default 100; the rest from `signatures_next`), now or `as_of` earlier."""
    now = clock()
    args = query_args(StatementQuery())
    with services().engine.connect() as connection:
        moment, found, version = readable_head(connection, coalition_id, statement_id, args.get("as_of"))
        body = read.heading(connection, found, min(moment.instant or now, now), moment.position)
        page = _signatures_page(connection, found, moment.position, None, args["signatures"])
    following = None
    if page.next_after is not None or (args["signatures"] == 0 and page.total):
        following = url_for(
            "api.read_signatures",
            coalition_id=coalition_id,
            statement_id=statement_id,
            after=page.next_after,
            as_of=args.get("as_of"),
        )
    body = {**body, "signatures": page.items, "signatures_total": page.total, "signatures_next": following}
    response = jsonify(StatementView().dump({**body, "version": version, "as_of": moment.day.isoformat()}))
    response.headers["ETag"] = f'"{version}"'
    return response


@bp.get(f"{STATEMENT}/signatures")
@authenticated
@documented(response=SignatureList, query=SignaturesQuery)
def read_signatures(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The statement's signatures a page at a time (`limit`, `after`), first signed first, each with its status
    and whether it counts; `total` counts every page; now or `as_of` an earlier moment."""
    args = query_args(SignaturesQuery())
    with services().engine.connect() as connection:
        moment, found, _ = readable_head(connection, coalition_id, statement_id, args.get("as_of"))
        page = _signatures_page(connection, found, moment.position, args.get("after"), args["limit"])
    return jsonify(
        SignatureList().dump(
            {
                "as_of": moment.day.isoformat(),
                "position": moment.position,
                "total": page.total,
                "next_after": page.next_after,
                "signatures": page.items,
            }
        )
    )


@bp.get(f"{STATEMENT}/diff")
@authenticated
@documented(response=DiffView, query=DiffQuery)
def statement_diff(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """What changed between two versions (by default from `from` to the current one), language by language."""
    args = query_args(DiffQuery())
    with services().engine.connect() as connection:
        _, found, _ = readable(connection, coalition_id, statement_id)
        newer = args.get("to") or found.statement["version_hash"]
        changes = diff(connection, statement_id, args["from_"], newer) if newer else None
        words = word_segments(connection, statement_id, args["from_"], newer) if newer else None
    if changes is None or words is None:
        raise NotFound("no such version of this statement: `from` and `to` take version hashes of opened versions")
    return jsonify(DiffView().dump({"from_": args["from_"], "to": newer, "languages": changes, "words": words}))


@bp.patch(STATEMENT)
@command(200)
@documented(request=DraftPatch, response=StatementAnswer)
def revise_draft(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Edit the draft's title, body or language; each revision stays in the log."""
    return handle.revise(context, coalition_id, statement_id, **json_body(DraftPatch()))


@bp.put(f"{STATEMENT}/translations/<language>")
@command(200)
@documented(request=TextRequest, response=StatementAnswer)
def set_translation(context: Context, coalition_id: str, statement_id: str, language: str) -> dict[str, Any]:
    """Add or replace the draft's translation into `language` (an ISO 639-1 code)."""
    language = language.strip().lower()
    if language not in st.LANGUAGES:
        raise ValidationError({"language": ["use an ISO 639-1 language code in the path, such as ro or pl"]})
    return handle.translate(context, coalition_id, statement_id, language, **json_body(TextRequest()))


@bp.post(f"{STATEMENT}/open")
@command(200)
@documented(request=OpenRequest, response=StatementAnswer, body_required=False)
def open_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Freeze the text under its version hash and open it for signature (facilitators)."""
    return handle.open_for_signature(context, coalition_id, statement_id, **json_body(OpenRequest(), optional=True))


@bp.post(f"{STATEMENT}/amend")
@command(200)
@documented(request=AmendRequest, response=StatementAnswer)
def amend_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """A new version of an open statement (facilitators); earlier signatures then need re-confirmation."""
    return handle.amend(context, coalition_id, statement_id, **json_body(AmendRequest()))


@bp.post(f"{STATEMENT}/close")
@command(200)
@documented(request=EmptyRequest, response=StatementAnswer, body_required=False)
def close_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Stop signing before the deadline (facilitators)."""
    json_body(EmptyRequest(), optional=True)
    return handle.close(context, coalition_id, statement_id)


@bp.post(f"{STATEMENT}/publish")
@command(200)
@documented(request=PublishStatementRequest, response=StatementAnswer, body_required=False)
def publish_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Publish a closed statement whose threshold is met (facilitators); it gets a public page. A `place` is
    printed before the date on the PDF ("Bucharest, 4 December 2026")."""
    body = json_body(PublishStatementRequest(), optional=True)
    return handle.publish(context, coalition_id, statement_id, body.get("place", ""))


@bp.post(f"{STATEMENT}/signatures")
@command(201)
@documented(request=SignRequest, response=StatementAnswer, status=201)
def sign_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Sign the current version for an active member whose signing mandate you hold; signing again changes nothing."""
    return handle.sign(context, coalition_id, statement_id, **json_body(SignRequest()))


@bp.post(f"{SIGNATURE}/confirm")
@command(200)
@documented(request=ConfirmRequest, response=StatementAnswer, body_required=False)
def confirm_signature(context: Context, coalition_id: str, statement_id: str, organisation_id: str) -> dict[str, Any]:
    """Confirm the organisation's signature on the amended version (see `/diff` for what changed)."""
    return handle.confirm(
        context, coalition_id, statement_id, organisation_id, **json_body(ConfirmRequest(), optional=True)
    )


@bp.post(f"{SIGNATURE}/withdraw")
@command(200)
@documented(request=WithdrawRequest, response=StatementAnswer)
def withdraw_signature(context: Context, coalition_id: str, statement_id: str, organisation_id: str) -> dict[str, Any]:
    """Withdraw the organisation's signature, with a reason; the history keeps that it had signed."""
    return handle.withdraw(context, coalition_id, statement_id, organisation_id, **json_body(WithdrawRequest()))


@bp.post(f"{STATEMENT}/endorsements")
@command(201)
@documented(request=EndorseRequest, response=StatementAnswer, status=201, body_required=False)
def endorse_statement(context: Context, coalition_id: str, statement_id: str) -> dict[str, Any]:
    """Add your personal endorsement (the coalition's endorsers); listed apart from the organisations."""
    return handle.endorse(context, coalition_id, statement_id, **json_body(EndorseRequest(), optional=True))


@bp.get(f"{STATEMENT}.pdf")
@authenticated
@documented_pdf(query=PdfQuery, errors=(400, 401, 403, 404, 409, 422, 503))
def statement_pdf(coalition_id: str, statement_id: str) -> ResponseReturnValue:
    """The sealed PDF of the current version, in `lang` (default: the statement's own language)."""
    language = query_args(PdfQuery()).get("lang")
    with services().engine.connect() as connection:
        readable(connection, coalition_id, statement_id)
    return pdf_response(statement_id, language)
