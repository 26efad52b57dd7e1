"""Request and response bodies of the statement API; the OpenAPI document is made from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from coalition.domain import text
from coalition.domain.statement import LANGUAGES, MAX_BODY, MAX_PLACE, MAX_THRESHOLD, MAX_TITLE, STATES
from coalition.reads import signatories
from coalition.web.api.checked import Moment
from coalition.web.api.schemas import ID, NAME, Checked, Trimmed, one_line

ONE_LINE_NAME: list[Callable[[Any], Any]] = [NAME, one_line]  # a signer's name or title: one line

TITLE = validate.Length(min=1, max=MAX_TITLE)
BODY = validate.Length(min=1, max=MAX_BODY)
LANGUAGE = validate.OneOf(sorted(LANGUAGES), error="use an ISO 639-1 language code, such as en, ro or pl")
BODY_HELP = (
    "Markdown subset: paragraphs, *emphasis*, **strong**, lists and http(s)/mailto links; "
    "HTML is shown as text, never interpreted"
)


class LowerLanguage(Trimmed):
    """Reads language codes in lower case ("RO" is "ro")."""

    @pre_load
    def lower_language(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("language"), str):
            return {**data, "language": data["language"].strip().lower()}
        return data


class TextRequest(Trimmed):
    title = fields.String(required=True, validate=[TITLE, one_line])
    body = fields.String(required=True, validate=BODY, metadata={"description": BODY_HELP})


class DraftRequest(TextRequest, LowerLanguage):
    language = fields.String(required=True, validate=LANGUAGE)
    organisation_id = fields.String(
        validate=ID,
        metadata={
            "description": "the member you draft for, when you are not a facilitator (if the agreement allows it)"
        },
    )


class DraftPatch(LowerLanguage):
    title = fields.String(validate=[TITLE, one_line])
    body = fields.String(validate=BODY, metadata={"description": BODY_HELP})
    language = fields.String(validate=LANGUAGE)

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one of title, body and language")


class OpenRequest(Checked):
    deadline = Moment(
        metadata={"description": "ISO date-time after which no one can sign (UTC unless it says otherwise)"},
    )
    threshold = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_THRESHOLD),
        metadata={"description": "the number of signing organisations needed to publish (default 1)"},
    )


class PublishStatementRequest(Trimmed):
    place = fields.String(
        validate=[validate.Length(max=MAX_PLACE), one_line],
        metadata={"description": 'where the coalition issues the statement ("Bucharest"), printed before the date'},
    )


class AmendRequest(Trimmed):
    title = fields.String(validate=[TITLE, one_line])
    body = fields.String(validate=BODY, metadata={"description": BODY_HELP})
    translations = fields.Dict(
        keys=fields.String(validate=LANGUAGE),
        values=fields.Nested(TextRequest),
        validate=validate.Length(min=1),
        metadata={"description": "by language: the translations to replace or add; others stay"},
    )

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one of title, body and translations")


READ_VERSION = {"description": "the version hash the signer read: refused with 409 if the text has changed since"}


def _typed_name(_value: Any) -> None:
    raise ValidationError(
        "the name printed for a signer is the name of your account, as you registered it; "
        "it cannot be typed when signing: leave out name"
    )


def _no_typed_name() -> fields.Raw:
    """`name`, refused: a signer's or endorser's name is their account's (from the log's UserRegistered event)."""
    return fields.Raw(
        validate=_typed_name,
        metadata={"description": "no longer accepted: the name printed is your account's", "deprecated": True},
    )


class SignRequest(Trimmed):
    organisation_id = fields.String(required=True, validate=ID)
    name = _no_typed_name()
    title = fields.String(
        validate=ONE_LINE_NAME, metadata={"description": "the signer's title; default: your mandate's"}
    )
    version_hash = fields.String(validate=validate.Regexp("^[0-9a-f]{64}$"), metadata=READ_VERSION)


class ConfirmRequest(Trimmed):
    name = _no_typed_name()
    title = fields.String(validate=[NAME, one_line])
    version_hash = fields.String(validate=validate.Regexp("^[0-9a-f]{64}$"), metadata=READ_VERSION)


class EndorseRequest(Trimmed):
    name = _no_typed_name()
    title = fields.String(validate=[NAME, one_line])


class WithdrawRequest(Trimmed):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=text.MESSAGE))


#: Signatures per page of `…/signatures` by default, and embedded in a statement read by default.
SIGNATURES_PAGE = 100
MAX_SIGNATURES_PAGE = 1000


def _cursor(value: str) -> None:
    """An `after` is a `next_after` this API gave: `<first_signed_at>~<organisation_id>`."""
    if len(value) > 32 + 1 + text.ID or signatories.parse(value) is None:
        raise ValidationError("not a `next_after` of this list: start again without `after`")


class StatementQuery(Schema):
    as_of = fields.String(metadata={"description": "a log position, an ISO date or an ISO date-time"})
    signatures = fields.Integer(
        validate=validate.Range(min=0, max=MAX_SIGNATURES_PAGE),
        load_default=SIGNATURES_PAGE,
        metadata={
            "description": (
                f"how many signatures to embed, the first page of `…/signatures` (default {SIGNATURES_PAGE}, "
                "0: none); the rest are read from `signatures_next`"
            )
        },
    )


class SignaturesQuery(Schema):
    as_of = fields.String(metadata={"description": "a log position, an ISO date or an ISO date-time"})
    after = fields.String(
        validate=_cursor, metadata={"description": "the `next_after` of the previous page (opaque: pass it back)"}
    )
    limit = fields.Integer(
        validate=validate.Range(min=1, max=MAX_SIGNATURES_PAGE),
        load_default=SIGNATURES_PAGE,
        metadata={"description": f"signatures per page (default {SIGNATURES_PAGE}), first signed first"},
    )


class PdfQuery(Schema):
    lang = fields.String(
        validate=validate.OneOf(sorted(LANGUAGES)),
        metadata={"description": "one of the statement's languages; default: its own"},
    )


class StatementAnswer(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the statement stream's version (ETag)"})
    organisation_id = fields.String()


class TextView(Schema):
    language = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)


class SignatureView(Schema):
    organisation_id = fields.String(required=True)
    organisation = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    signer_name = fields.String(required=True)
    signer_title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("signed", "needs_reconfirmation", "withdrawn")))
    counts = fields.Boolean(required=True, metadata={"description": "whether the signature counts (the domain's rule)"})
    verified = fields.Boolean(
        metadata={"description": "whether the coalition's facilitators marked the organisation verified"}
    )
    version_hash = fields.String(required=True)
    signed_at = fields.String(required=True)
    first_signed_at = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "the log position of the counting event"})
    event_hash = fields.String(required=True)
    reason = fields.String(allow_none=True)


class EndorsementView(Schema):
    user_id = fields.String(required=True)
    name = fields.String(required=True)
    title = fields.String(allow_none=True)
    organisation_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("endorsed", "needs_reconfirmation")))
    endorsed_at = fields.String(required=True)
    position = fields.Integer(required=True)


class StatementSummary(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    language = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    version_hash = fields.String(allow_none=True)
    deadline = fields.String(allow_none=True)
    drafted_at = fields.String(required=True)


class StatementList(Schema):
    statements = fields.List(fields.Nested(StatementSummary), required=True)


class StatementView(Schema):
    id = fields.String(required=True)
    coalition_id = fields.String(required=True)
    version = fields.Integer(required=True)
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True, metadata={"description": "the log position read; null: now"})
    state = fields.String(
        required=True,
        validate=validate.OneOf(STATES),
        metadata={"description": "an open statement whose deadline has passed reads closed"},
    )
    language = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    translations = fields.List(fields.Nested(TextView), required=True)
    version_number = fields.Integer(required=True, metadata={"description": "0 while a draft"})
    version_hash = fields.String(allow_none=True, metadata={"description": "SHA-256 of the frozen text"})
    deadline = fields.String(allow_none=True)
    threshold = fields.Integer(allow_none=True)
    threshold_met = fields.Boolean(required=True)
    drafted_by = fields.String(required=True)
    drafted_at = fields.String(required=True)
    summary = fields.Dict(required=True, metadata={"description": "{organisations, countries} counted"})
    signatures = fields.List(
        fields.Nested(SignatureView),
        required=True,
        metadata={
            "description": (
                "the first page of the signatures, first signed first (`?signatures=`, default "
                f"{SIGNATURES_PAGE}); all of them when `signatures_next` is null"
            )
        },
    )
    signatures_total = fields.Integer(required=True, metadata={"description": "signatures on every page together"})
    signatures_next = fields.String(
        allow_none=True,
        metadata={"description": "the path of the next page of signatures (`…/signatures?after=`); null: none left"},
    )
    endorsements = fields.List(fields.Nested(EndorsementView), required=True)


class SignatureList(Schema):
    as_of = fields.String(required=True)
    position = fields.Integer(allow_none=True, metadata={"description": "the log position read; null: now"})
    total = fields.Integer(required=True, metadata={"description": "signatures on every page together"})
    next_after = fields.String(
        allow_none=True, metadata={"description": "pass as `after` for the next page; null: this is the last"}
    )
    signatures = fields.List(fields.Nested(SignatureView), required=True)
