"""Choosing one of a coalition's active members in a form: a menu where the coalition has few of them, a name to type
where it has more than `coalition.web.forms.LISTED` (a menu of thousands is hundreds of kilobytes no one scrolls).

The form keeps its menu field (the id the command takes) and has a text field beside it for the name; the page shows
one of the two. A typed name is found among the active members as the audit filters find one (`coalition.reads.audit
.named`: case and accents ignored): the member whose whole name it is, else the only one whose name holds it. A
name that fits none or several is refused with the reason (naming the first few it fits) on the text field, and
the form's other fields keep what was typed.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.engine import Connection
from wtforms import SelectField, StringField

from coalition.reads.audit import named, same_name
from coalition.reads.work import active_members
from coalition.web.forms import OFFERED
from coalition.web.typed import FlaskForm


def offer(connection: Connection, coalition_id: str, menu: SelectField, by_name: bool) -> None:
    """The menu's choices: every active member by name, or none where the name is typed (`by_name`)."""
    menu.choices = [] if by_name else active_members(connection, coalition_id)


def find(connection: Connection, coalition_id: str, menu: SelectField, name: StringField) -> str | None:
    """The active member a form that asked for a name sent: the one chosen from those its name fitted (`menu`, when
    it was offered and one was chosen), else the one whose whole name was typed in `name`, else the only one whose
    name holds it. Found, it is the menu's only choice and its value, and None is returned; else the reason to show
    on `name` (set it after the form's validation, which empties every field's errors), with the members the name
    fits (the first `OFFERED`) as the menu's choices."""
    every = dict(active_members(connection, coalition_id))
    picked = menu.data or ""
    menu.choices, menu.data = [], None
    if picked:
        if picked in every:
            menu.choices, menu.data = [(picked, every[picked])], picked
            return None
        return str(_("The organisation chosen is no longer an active member. Type its name again."))
    text = (name.data or "").strip()
    if not text:
        return str(_("Type the name of an active member."))
    fitting = named(text, every)
    whole = [key for key in fitting if same_name(text, every[key])]
    chosen = whole if len(whole) == 1 else fitting if len(fitting) == 1 else []
    if chosen:
        menu.choices, menu.data = [(chosen[0], every[chosen[0]])], chosen[0]
        return None
    if not fitting:
        return str(_("No active member has “%(name)s” in its name. Check the spelling, or type less.", name=text))
    menu.choices = [("", _("(choose one)")), *((key, every[key]) for key in fitting[:OFFERED])]
    menu.label.text = str(_("The organisation you mean"))  # beside the name field, not a second "On behalf of"
    more = len(fitting) - OFFERED
    return str(
        ngettext(
            "“%(name)s” fits %(num)d active member: choose it below.",
            "“%(name)s” fits %(num)d active members: choose one below, or type more of the name.",
            len(fitting),
            name=text,
        )
    ) + (" " + str(ngettext("%(num)d more is not listed.", "%(num)d more are not listed.", more)) if more > 0 else "")


def validated(form: FlaskForm, by_name: bool, menu: SelectField, name: StringField, refused: str | None) -> bool:
    """Whether the form sent is valid: as it validates, and where it named the member (`by_name`), with the menu's
    own errors dropped (the page did not show it) and the reason `find` gave standing on the name."""
    valid = form.validate_on_submit()
    if not by_name:
        return valid
    menu.errors = []
    if refused is not None:
        name.errors = [refused]
    return form.is_submitted() and not form.errors
