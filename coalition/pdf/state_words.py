"""The words a partnership report's PDF prints for states, standing levels and progress, in the report's language.

Each is translated in its context, as the pages say it: "open" is a task's here, "overdue" an objective's, and
Polish, Romanian or Bulgarian give a task, a member organisation and an objective their own genders. The report
has a language of its own (not the request's), so these read its catalogue (`render._catalogue`).
"""

from __future__ import annotations

from collections.abc import Callable

from coalition.pdf import render


def _in(language: str) -> Callable[[str, str], str]:
    """`pgettext` of the report's language (Babel's catalogue says it returns an object: a text it is)."""
    catalogue = render._catalogue(language)
    return lambda context, word: str(catalogue.pgettext(context, word))


def states(language: str) -> dict[str, str]:
    """Members' states and standing levels and tasks' states, by the value the read models keep."""
    pgettext = _in(language)
    return {
        "active": pgettext("member state", "active"),
        "suspended": pgettext("member state", "suspended"),
        "invited": pgettext("member state", "invited"),
        "requested": pgettext("member state", "requested"),
        "left": pgettext("member state", "left"),
        "good": pgettext("member standing", "good standing"),
        "attention": pgettext("member standing", "needs attention"),
        "lapsed": pgettext("member standing", "lapsed"),
        "open": pgettext("task state", "open"),
        "accepted": pgettext("task state", "accepted"),
        "done": pgettext("task state", "done"),
        "dropped": pgettext("task state", "dropped"),
    }


def progress(language: str) -> dict[str, str]:
    """An objective's progress status (`policy.objectives.STATUSES`); "unmeasured" also for an unknown one."""
    pgettext = _in(language)
    return {
        "on-track": pgettext("objective progress", "on track"),
        "behind": pgettext("objective progress", "behind"),
        "reached": pgettext("objective progress", "reached"),
        "overdue": pgettext("objective progress", "overdue"),
        "unmeasured": pgettext("objective progress", "not measured yet"),
    }


def suspended(language: str) -> str:
    """A suspended member's state, said alone (no reason was given)."""
    pgettext = _in(language)
    return pgettext("member state", "suspended")
