"""The words refusals pass as parameters without marking them where they are raised, marked here for extraction.

`coalition.web.errors.translated` runs every text parameter of a refusal through the catalogue;
the fragments the domain marks with `N_` and the states the pages already show are extracted
from where they are written. These are the rest: a member's absent state, the requirements
`coalition.domain.work` names, the verbs a closed commitment refuses, the
member actions that need a reason, and the alternatives a
refusal joins with " or ". Nothing imports this module; Babel reads it (`babel.cfg`).
"""

from __future__ import annotations

from coalition.domain.base import N_

#: Values of `state`, `expected`, `allowed` and `phases` not shown elsewhere.
STATES = (
    N_("not a member"),
    N_("requested"),
    N_("open or accepted"),
    N_("invited or requested or active or suspended"),
)
#: Values of `what` (`%(what)s is required`).
REQUIREMENTS = (N_("a description"), N_("a note on the evidence"), N_("a reason"), N_("a title"))
#: Values of `verb` (`a %(state)s commitment cannot be %(verb)s`).
COMMITMENT_VERBS = (N_("changed"), N_("fulfilled"), N_("withdrawn"), N_("rescheduled"))
#: Values of `action` (`a reason is required to %(action)s a member`).
MEMBER_ACTIONS = (N_("suspend"), N_("reinstate"))
#: Values of `state` a refusal names that the pages show otherwise ("request declined").
MORE_STATES = (N_("declined"),)
