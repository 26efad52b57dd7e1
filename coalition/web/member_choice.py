"""Choosing one of a coalition's active members in a form: a menu where the coalition has few of them, a name to type
where it has more than `coalition.web.forms.LISTED` (a menu of thousands is hundreds of kilobytes no one scrolls).

The form keeps its menu field (the id the command takes) and has a text field beside it for the name; the page shows
the name, and the menu only to offer the members a name fits. A typed name is compared as the audit filters compare
one (`coalition.reads.audit.named`: case and accents ignored): the member whose whole name it is is chosen; a part of
a name, or a name two members share, offers the members it fits (up to `OFFERED`, with their countries) in a short
menu to choose from; a name that fits none is refused with the reason. The form's other fields keep what was typed.
"""

from __future__ import annotations

from flask import request
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy.engine import Connection
from wtforms import SelectField, StringField

from coalition.infra.extensions import services
from coalition.reads.audit import named, same_name
from coalition.reads.coalitions import member_counts, members_in_order
from coalition.reads.work import active_members
from coalition.web.forms import LISTED, OFFERED
from coalition.web.i18n import localised_country
from coalition.web.typed import FlaskForm


def mode(connection: Connection, coalition_id: str, by_name: bool | None, everyone: bool) -> tuple[bool, int]:
    """Whether the form asks for a name, and how many active members the coalition has (0 when not asked): as the
    form was sent (`by_name`; None: a new form), else a name where the menu would offer every active member
    (`everyone`) and they are more than `LISTED`."""
    active = member_counts(connection, coalition_id).get("active", 0) if everyone or by_name else 0
    return (by_name if by_name is not None else everyone and active > LISTED), active


def offer(connection: Connection, coalition_id: str, menu: SelectField, by_name: bool) -> None:
    """The menu's choices: every active member by name, or none where the name is typed (`by_name`)."""
    menu.choices = [] if by_name else active_members(connection, coalition_id)


def find(
    connection: Connection, coalition_id: str, menu: SelectField, name: StringField, exclude: str | None = None
) -> str | None:
    """The active member a form that asked for a name sent: the one chosen from those its name fitted (`menu`, when
    it was offered and one was chosen), else the one whose whole name was typed in `name` (a name two members share
    asks which). Found, it is the menu's value, and None is returned; else the reason to show on `name` (add it
    after the form's validation, which empties every field's errors). Either way the menu holds the members the name
    fits (the first `OFFERED`, by name, with their countries), so that a form sent back for another field's error
    keeps the one chosen; a part of a name is never taken for a member without the facilitator choosing it.
    `exclude`: a member the form may not name (the one leaving, on the leave page's hand-overs)."""
    rows = members_in_order(connection, coalition_id, {"active": 0}, None, None, states=("active",))
    if exclude is not None:  # its whole name alone (no other member bears it), or chosen: refused with the reason
        text = (name.data or "").strip()
        bearers = {m["organisation_id"] for m in rows if text and same_name(text, m["name"] or "")}
        if bearers == {exclude} or menu.data == exclude:
            menu.choices, menu.data = [], None
            return str(_("Not to the organisation that leaves: name another member."))
        rows = [m for m in rows if m["organisation_id"] != exclude]
    every = {m["organisation_id"]: m["name"] or m["organisation_id"] for m in rows}
    picked, text = menu.data or "", (name.data or "").strip()
    menu.choices, menu.data = [], None
    fitting = named(text, every) if text else []
    if picked and picked not in every:
        return str(_("The organisation chosen is no longer an active member. Type its name again."))
    whole = [key for key in fitting if same_name(text, every[key])]
    if not picked and len(whole) == 1:  # its whole name: that one
        menu.choices, menu.data = [(whole[0], every[whole[0]])], whole[0]
        return None
    if fitting or picked:  # each with its country: two members may share a name
        labels = {
            m["organisation_id"]: f"{every[m['organisation_id']]} ({localised_country(m['country'])})" for m in rows
        }
        offered = [key for key in fitting[:OFFERED] if key != picked]
        menu.choices = [
            ("", _("(choose one)")),
            *((key, labels[key]) for key in ([picked] if picked else []) + offered),
        ]
        menu.label.text = str(_("The organisation you mean"))  # beside the name field, not a second "On behalf of"
    if picked:
        menu.data = picked
        return None
    if not text:
        return str(_("Type the name of an active member."))
    if not fitting:
        return str(_("No active member has “%(name)s” in its name. Check the spelling, or type less.", name=text))
    more = len(fitting) - OFFERED
    return str(
        ngettext(
            "“%(name)s” fits %(count)s active member: choose it below.",
            "“%(name)s” fits %(count)s active members: choose one below, or type more of the name.",
            len(fitting),
            name=text,
            count=format_number(len(fitting)),
        )
    ) + (" " + str(_more(more)) if more > 0 else "")


def _more(more: int) -> str:
    return str(
        ngettext("%(count)s more is not listed.", "%(count)s more are not listed.", more, count=format_number(more))
    )


def sent(
    form: FlaskForm, coalition_id: str, menu: SelectField, name: StringField, empty: bool = False
) -> tuple[bool, bool]:
    """For a form just sent: whether it named the member (it sent the name field, whatever the count is now), and
    whether it is valid, the member found (`find`) when named. With `empty`, a name left empty names no member (the
    menu's value "")."""
    by_name = name.name in request.form
    return by_name, checked(form, coalition_id, by_name, [(menu, name)], empty)


def checked(
    form: FlaskForm,
    coalition_id: str,
    by_name: bool,
    choices: list[tuple[SelectField, StringField]],
    empty: bool = False,
    exclude: str | None = None,
) -> bool:
    """Whether a form just sent is valid: as it validates, and where it named its members (`by_name`), each member
    of `choices` (a menu and its name field: one per row of a form that chooses several) found by `find`, the menus'
    own errors dropped (the page did not show them) and the reason `find` gave standing on the name. With `empty`,
    a name left empty names no member (the menu's value ""). `exclude`: as `find`'s."""
    refused = []
    if by_name:
        with services().engine.connect() as connection:
            for menu, name in choices:
                if empty and not (name.data or "").strip() and not menu.data:
                    menu.data = ""
                    continue
                reason = find(connection, coalition_id, menu, name, exclude)
                if reason is not None:
                    refused.append((name, reason))
    valid = form.validate_on_submit()
    if not by_name:
        return valid
    for menu, _name in choices:
        menu.errors = []
    for name, reason in refused:
        name.errors = [*name.errors, reason]
    return form.is_submitted() and not form.errors and not refused
