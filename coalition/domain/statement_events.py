"""The statement aggregate's events: one marshmallow schema per type, registered with the app's registry."""

from __future__ import annotations

import pycountry
from marshmallow import Schema, fields, validate

from coalition.domain.event_types import registry

LANGUAGES = frozenset(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2"))
MAX_TITLE = 300
MAX_BODY = 50_000
MAX_THRESHOLD = 100_000
MAX_PLACE = 100


class StatementFields(Schema):
    coalition_id = fields.String(required=True)
    statement_id = fields.String(required=True)


class TextFields(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE))
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY))


def _language() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(sorted(LANGUAGES)))


@registry.register("StatementDrafted")
class StatementDrafted(StatementFields, TextFields):
    language = _language()
    drafted_by = fields.String(required=True)
    organisation_id = fields.String()  # the member a non-facilitator drafted for


@registry.register("DraftRevised")
class DraftRevised(StatementFields, TextFields):
    language = _language()


@registry.register("TranslationSet")
class TranslationSet(StatementFields, TextFields):
    language = _language()


class VersionFields(StatementFields):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    version_hash = fields.String(required=True, validate=validate.Length(equal=64))


@registry.register("StatementOpened")
class StatementOpened(VersionFields):
    deadline = fields.AwareDateTime()
    threshold = fields.Integer(validate=validate.Range(min=1, max=MAX_THRESHOLD))


@registry.register("StatementAmended")
class StatementAmended(VersionFields, TextFields):
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(TextFields), required=True)
    previous_hash = fields.String(required=True)


class SignerFields(StatementFields):
    organisation_id = fields.String(required=True)
    user_id = fields.String(required=True)
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    signer_title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version_hash = fields.String(required=True, validate=validate.Length(equal=64))


registry.register("StatementSigned")(type("StatementSigned", (SignerFields,), {}))
registry.register("SignatureConfirmed")(type("SignatureConfirmed", (SignerFields,), {}))


@registry.register("SignatureWithdrawn")
class SignatureWithdrawn(StatementFields):
    organisation_id = fields.String(required=True)
    user_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@registry.register("StatementEndorsed")
class StatementEndorsed(StatementFields):
    user_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(validate=validate.Length(max=200))
    organisation_id = fields.String(required=True)  # the member whose endorser role they hold
    version_hash = fields.String(required=True, validate=validate.Length(equal=64))


@registry.register("StatementClosed")
class StatementClosed(StatementFields):
    reason = fields.String(required=True, validate=validate.OneOf(("deadline", "facilitator")))


@registry.register("StatementPublished")
class StatementPublished(StatementFields):
    version_hash = fields.String(required=True, validate=validate.Length(equal=64))
    signatures = fields.Integer(required=True, validate=validate.Range(min=0))
    place = fields.String(validate=validate.Length(max=MAX_PLACE))  # where it is issued; absent before it existed
