"""The words refusals pass as parameters without marking them where they are raised, marked here for extraction.

`coalition.web.errors.translated` runs every text parameter of a refusal through the catalogue;
the fragments the domain marks with `N_` are extracted from where they are written. These are the
rest: every state a refusal can name (a `Word` carrying its gettext context, passed from a value, so
Babel cannot see it where it is raised), the alternatives a refusal joins with " or ", the
requirements `coalition.domain.work` names, the verbs a closed commitment refuses and the member
actions that need a reason. Nothing imports this module; Babel reads it (`babel.cfg`); the
translation tests check that every state the domain knows is listed here.
"""

from __future__ import annotations

from coalition.domain.base import C_, N_

#: Values of `state`, `expected`, `allowed`, `phase` and `phases`, each in the context of what it qualifies: a
#: refusal passes them as `Word`s (`C_`), and Polish, Romanian and Bulgarian give each noun its own gender.
MEMBER_STATES = (
    C_("member state", "invited"),
    C_("member state", "requested"),
    C_("member state", "active"),
    C_("member state", "suspended"),
    C_("member state", "left"),
    C_("member state", "declined"),
    C_("member state", "not a member"),
    C_("member state", "invited or requested or active or suspended"),
)
STATEMENT_STATES = (
    C_("statement state", "draft"),
    C_("statement state", "open"),
    C_("statement state", "closed"),
    C_("statement state", "published"),
)
TASK_STATES = (
    C_("task state", "open"),
    C_("task state", "accepted"),
    C_("task state", "done"),
    C_("task state", "dropped"),
    C_("task state", "open or accepted"),
)
COMMITMENT_STATES = (C_("commitment state", "fulfilled"), C_("commitment state", "withdrawn"))
#: Values of `verb` (`a %(state)s commitment cannot be %(verb)s`): participles agreeing with the commitment.
COMMITMENT_VERBS = (
    C_("commitment verb", "changed"),
    C_("commitment verb", "fulfilled"),
    C_("commitment verb", "withdrawn"),
    C_("commitment verb", "rescheduled"),
)
#: Values of `what` (`%(what)s is required`).
REQUIREMENTS = (N_("a description"), N_("a note on the evidence"), N_("a reason"), N_("a title"))
#: Values of `action` (`a reason is required to %(action)s a member`).
MEMBER_ACTIONS = (N_("suspend"), N_("reinstate"))
