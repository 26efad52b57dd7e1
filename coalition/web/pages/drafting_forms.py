"""The statement editor's forms: a text, a draft, a revision, a translation, opening for signature, amending."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coalition.domain import statement as st
from coalition.web.forms import PageForm
from coalition.web.lines import OneLine


class TextForm(PageForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=st.MAX_TITLE), OneLine()])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=st.MAX_BODY)])
    preview = SubmitField(_l("Preview"))


class DraftForm(TextForm):
    language = SelectField(_l("Language of the text"), validators=[DataRequired()])
    organisation_id = SelectField(_l("Drafted for"), validators=[DataRequired()])


class ReviseForm(TextForm):
    language = SelectField(_l("Language of the text"), validators=[DataRequired()])


class TranslationForm(TextForm):
    language = SelectField(_l("Language of the translation"), validators=[DataRequired()])


class OpenForm(PageForm):
    deadline = DateTimeLocalField(_l("Signing closes at (UTC)"), validators=[Optional()])
    threshold = IntegerField(
        _l("Organisations needed to publish"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=st.MAX_THRESHOLD)],
    )


def amend_form(languages: list[str], **data: Any) -> TextForm:
    """The amend form: the statement's title and body, and one title and body per translation."""

    class AmendForm(TextForm):
        pass

    for code in languages:
        setattr(
            AmendForm,
            f"title_{code}",
            StringField(_l("Title"), validators=[DataRequired(), Length(max=st.MAX_TITLE), OneLine()]),
        )
        setattr(
            AmendForm, f"body_{code}", TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=st.MAX_BODY)])
        )
    return AmendForm(**data)
