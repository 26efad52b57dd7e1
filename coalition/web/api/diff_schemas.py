"""What changed between two versions of a statement, over the API: the query and the answer (the unified diff and
the words inserted and deleted, per language)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class DiffQuery(Schema):
    from_ = fields.String(
        data_key="from",
        required=True,
        validate=validate.Length(equal=64),
        metadata={"description": "the version hash to compare from (e.g. the one a signature is bound to)"},
    )
    to = fields.String(validate=validate.Length(equal=64), metadata={"description": "default: the current version"})


# -- responses ------------------------------------------------------------------------------------


class WordSegment(Schema):
    op = fields.String(required=True, validate=validate.OneOf(["equal", "delete", "insert"]))
    text = fields.String(required=True)


class LanguageWords(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(["changed", "unchanged", "added", "removed"]),
        metadata={"description": "added or removed: a translation that only one of the two versions has"},
    )
    title = fields.List(fields.Nested(WordSegment), required=True)
    body = fields.List(fields.Nested(WordSegment), required=True)


class DiffView(Schema):
    to = fields.String(required=True)
    from_ = fields.String(data_key="from", required=True)
    languages = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "by language: a unified diff of the title and body (empty when unchanged)"},
    )
    words = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LanguageWords),
        required=True,
        metadata={
            "description": "by language: the Markdown source's change word by word; the equal and delete segments "
            "joined are the earlier text, the equal and insert segments joined the later one"
        },
    )
